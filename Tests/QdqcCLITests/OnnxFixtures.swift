import Foundation

/// ONNX model files for the CLI tests, encoded by field number (onnx.proto) with `ProtoEncoder`.
enum OnnxFixtures {
    /// How the graph of a fixture is put together.
    struct NodeSpec {
        var opType: String
        var inputs: [String]
        var outputs: [String]
        var name: String
    }

    /// y = Relu(x + w), plus a dead node `Neg(x)`; w is a 2-element float initializer.
    static func smallModel(deadNode: Bool = true) -> Data {
        var nodes = [
            NodeSpec(opType: "Add", inputs: ["x", "w"], outputs: ["sum"], name: "add"),
            NodeSpec(opType: "Relu", inputs: ["sum"], outputs: ["y"], name: "relu"),
        ]
        if deadNode { nodes.append(NodeSpec(opType: "Neg", inputs: ["x"], outputs: ["unused"], name: "dead")) }
        return model(nodes: nodes, initializer: floatInitializer(name: "w", values: [1, 2]))
    }

    /// y = x + w with a 100-element initializer w (x and y are float[2] by their value info; only the file matters).
    static func largeInitializerModel() -> Data {
        model(
            nodes: [NodeSpec(opType: "Add", inputs: ["x", "w"], outputs: ["y"], name: "add")],
            initializer: floatInitializer(name: "w", values: (0..<100).map(Float.init)))
    }

    /// A node reads `missing`, which nothing defines.
    static func undefinedValueModel() -> Data {
        model(
            nodes: [NodeSpec(opType: "Add", inputs: ["x", "missing"], outputs: ["y"], name: "reads_missing")],
            initializer: floatInitializer(name: "w", values: [1, 2]))
    }

    /// The initializer's data is said to be in `../escape.bin`, outside the model's folder.
    static func externalDataOutsideModel() -> Data {
        var tensor = ProtoEncoder()
        tensor.varint(1, 2)  // dims
        tensor.varint(2, 1)  // data_type FLOAT
        tensor.string(8, "w")  // name
        var location = ProtoEncoder()
        location.string(1, "location")
        location.string(2, "../escape.bin")
        tensor.message(13, location)  // external_data
        tensor.varint(14, 1)  // data_location EXTERNAL
        return model(
            nodes: [NodeSpec(opType: "Add", inputs: ["x", "w"], outputs: ["y"], name: "add")], initializer: tensor)
    }

    static func floatInitializer(name: String, values: [Float]) -> ProtoEncoder {
        var tensor = ProtoEncoder()
        tensor.varint(1, UInt64(values.count))  // dims
        tensor.varint(2, 1)  // data_type FLOAT
        tensor.string(8, name)  // name
        tensor.bytes(9, values.withUnsafeBytes { Array($0) })  // raw_data
        return tensor
    }

    /// A float[2] model with input x, output y, the given nodes and one initializer.
    static func model(nodes: [NodeSpec], initializer: ProtoEncoder) -> Data {
        var graph = ProtoEncoder()
        for spec in nodes {
            var node = ProtoEncoder()
            for input in spec.inputs { node.string(1, input) }
            for output in spec.outputs { node.string(2, output) }
            node.string(3, spec.name)
            node.string(4, spec.opType)
            graph.message(1, node)
        }
        graph.string(2, "fixture")
        graph.message(5, initializer)
        graph.message(11, valueInfo("x"))
        graph.message(12, valueInfo("y"))
        var opset = ProtoEncoder()
        opset.string(1, "")
        opset.varint(2, 17)
        var model = ProtoEncoder()
        model.varint(1, 8)  // ir_version
        model.string(2, "qdqc-tests")  // producer_name
        model.message(7, graph)
        model.message(8, opset)
        return model.data
    }

    /// A ValueInfoProto for a float[2] tensor.
    static func valueInfo(_ name: String) -> ProtoEncoder {
        var dimension = ProtoEncoder()
        dimension.varint(1, 2)  // dim_value
        var shape = ProtoEncoder()
        shape.message(1, dimension)
        var tensorType = ProtoEncoder()
        tensorType.varint(1, 1)  // elem_type FLOAT
        tensorType.message(2, shape)
        var type = ProtoEncoder()
        type.message(1, tensorType)  // tensor_type
        var info = ProtoEncoder()
        info.string(1, name)
        info.message(2, type)
        return info
    }

    /// Deterministic bytes that are not a protobuf message (seeded, so a failure is reproducible).
    static func randomBytes(count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> Data {
        var state = seed
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        for _ in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes.append(UInt8(truncatingIfNeeded: state >> 56))
        }
        return Data(bytes)
    }
}
