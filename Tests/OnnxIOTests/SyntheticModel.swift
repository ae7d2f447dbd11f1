import Foundation
import OnnxIR

/// A model that sets every field the ONNX format has, to check that nothing is lost on the way.
enum SyntheticModel {
    /// `NodeDeviceConfigurationProto { configuration_id: "cfg", pipeline_stage: 2 }` in wire format.
    static let deviceConfigurationBytes = Data([0x0a, 0x03, 0x63, 0x66, 0x67, 0x18, 0x02])

    /// Builds the model.
    static func make() throws -> Model {
        let main = GraphBuilder(name: "main")
        main.graph.docString = "main graph"
        main.graph.metadataProps = [KeyValue("graph-key", "graph-value")]
        main.addInput(
            name: "x",
            type: ValueType(
                .tensor(
                    elementType: .float,
                    shape: Shape([
                        Dimension(.symbolic("N"), denotation: "DATA_BATCH"), .known(3), .unknown, .symbolic(""),
                    ])), denotation: "TENSOR"),
            docString: "the input", metadata: [KeyValue("input-key", "v")])
        main.addInput(name: "seq", type: ValueType(.sequence(.tensor(.int64, nil))))
        main.addInput(name: "map", type: ValueType(.map(keyType: .string, valueType: .tensor(.float, Shape([])))))
        main.addInput(name: "opt", type: ValueType(.optional(ValueType(.optional(nil)))))
        main.addInput(name: "sparse_in", type: ValueType(.sparseTensor(elementType: .float, shape: Shape(static: [4]))))
        main.addInput(name: "opaque", type: ValueType(.opaque(domain: "d", name: nil)))
        main.addInput(name: "untyped", type: nil)
        main.addInput(name: "no_case", type: ValueType(.none))
        main.addInput(name: "bias", type: .tensor(.float, Shape(static: [3])))
        for tensor in tensors() { main.addInitializer(tensor) }
        main.addSparseInitializer(
            SparseTensor(
                values: Tensor.floats([1, 2], dims: [2], name: "sparse_w"),
                indices: Tensor.int64s([0, 3], dims: [2]), dims: [4]))
        try addNodes(main)
        main.addOutput(name: "y", type: .tensor(.float, nil), docString: "the output", metadata: [KeyValue("o", "1")])
        main.addOutput(name: "z", type: nil)
        main.addValueInfo(name: "t", type: .tensor(.float, Shape([.symbolic("N"), .known(3)])), docString: "between")
        main.graph.quantizationAnnotations = [
            TensorAnnotation(tensorName: "t", quantParameterTensorNames: [KeyValue("SCALE_TENSOR", "scale")]),
            TensorAnnotation(tensorName: nil, quantParameterTensorNames: []),
        ]
        let graph = try main.finish()
        return Model(
            graph: graph, irVersion: 10,
            opsetImports: [
                OpsetImport(domain: "", version: 21), OpsetImport(domainField: nil, version: 1),
                OpsetImport(domain: "com.example", version: 1),
            ],
            producerName: "", producerVersion: "1.0", domain: "org.example", modelVersion: 7, docString: nil,
            metadataProps: [KeyValue("author", "tests"), KeyValue("empty", "")],
            trainingInfo: [try trainingInfo()], functions: [try function()],
            configurations: [
                DeviceConfiguration(name: "cfg", numDevices: 2, devices: ["gpu0", "gpu1"]),
                DeviceConfiguration(name: nil, numDevices: nil, devices: []),
            ])
    }

    /// One initializer per storage form and element type family.
    static func tensors() -> [Tensor] {
        [
            Tensor(
                name: "bias", dataType: .float, dims: [3], storage: .raw(Data(repeating: 1, count: 12)),
                docString: "raw", metadataProps: [KeyValue("m", "n")]),
            Tensor(
                name: "big", dataType: .float, dims: [64, 64], storage: .raw(Data((0..<16384).map { UInt8($0 % 251) }))),
            Tensor(name: "floats", dataType: .float, dims: [2], storage: .floats([1.5, -2])),
            Tensor(name: "complex", dataType: .complex64, dims: [1], storage: .floats([1, 2])),
            Tensor(name: "int32s", dataType: .int32, dims: [2], storage: .int32s([-7, 9])),
            Tensor(name: "halves", dataType: .float16, dims: [2], storage: .int32s([0x3c00, 0xbc00])),
            Tensor(name: "int4", dataType: .int4, dims: [3], storage: .int32s([0x21, 0x03])),
            Tensor(name: "int64s", dataType: .int64, dims: [2], storage: .int64s([Int64.min, Int64.max])),
            Tensor(name: "doubles", dataType: .double, dims: [1], storage: .doubles([Double.pi])),
            Tensor(name: "uint64s", dataType: .uint64, dims: [1], storage: .uint64s([UInt64.max])),
            Tensor(name: "uint32s", dataType: .uint32, dims: [1], storage: .uint64s([7])),
            Tensor(name: "strings", dataType: .string, dims: [2], storage: .strings([Array("ab".utf8), [0, 255]])),
            Tensor(name: "empty_raw", dataType: .uint8, dims: [0], storage: .raw(Data())),
            Tensor(name: "no_data", dataType: .bool, dims: [0], storage: .none, dataLocationField: 0),
            Tensor(
                name: "segmented", dataType: .int8, dims: [2], storage: .raw(Data([1, 2])),
                segment: TensorSegment(begin: 0, end: nil)),
            Tensor(name: nil, dataType: DataType(rawValue: 99), dims: [], storage: .raw(Data([1, 2, 3]))),
        ]
    }

    private static func addNodes(_ main: GraphBuilder) throws {
        let sparse = SparseTensor(values: Tensor.floats([5], dims: [1], name: "sv"), indices: nil, dims: [3])
        let node = try main.addNode(
            opType: "Custom", domain: "com.example", name: "everything", inputNames: ["x", "", "bias"],
            outputNames: ["t", ""],
            attributes: [
                Attribute("f", .float(0.25), docString: "a float"),
                Attribute("i", .int(-3)),
                Attribute("s", .string([0, 1, 255])),
                Attribute("empty_s", .string([])),
                Attribute("t", .tensor(Tensor.floats([1, 2, 3], dims: [3], name: "attr_t"))),
                Attribute("sp", .sparseTensor(sparse)),
                Attribute("tp", .type(.tensor(.bfloat16, Shape(static: [1])))),
                Attribute("fs", .floats([1, 2])),
                Attribute("is", .ints([1, -1])),
                Attribute("ss", .strings([Array("a".utf8), []])),
                Attribute("ts", .tensors([Tensor.int64s([1], dims: [1])])),
                Attribute("sps", .sparseTensors([sparse])),
                Attribute("tps", .types([.tensor(.int8, nil), ValueType(.sequence(nil))])),
                Attribute("empty_ints", .ints([])),
                Attribute("untyped_old_style", .int(5), hasTypeField: false),
                Attribute("unknown_kind", .valueless(AttributeType(rawValue: 42))),
            ])
        node.overload = "v2"
        node.docString = "node doc"
        node.metadataProps = [KeyValue("node-key", "node-value")]
        node.deviceConfigurations = [EncodedMessage(bytes: deviceConfigurationBytes), EncodedMessage(bytes: Data())]
        let thenBranch = GraphBuilder(name: "then", outer: main)
        try thenBranch.addNode(
            opType: "Identity", domain: nil, name: nil, inputNames: ["t"], outputNames: ["then_out"], attributes: [])
        thenBranch.addOutput(name: "then_out", type: nil)
        let elseBranch = GraphBuilder(name: "else", outer: main)
        elseBranch.addInitializer(Tensor.floats([0, 0, 0], dims: [3], name: "zeros"))
        elseBranch.addOutput(name: "zeros", type: .tensor(.float, Shape(static: [3])))
        let loopBody = GraphBuilder(name: "body", outer: main)
        loopBody.addInput(name: "i", type: nil)
        try loopBody.addNode(
            opType: "Add", domain: "", name: "inner", inputNames: ["i", "bias"], outputNames: ["j"], attributes: [])
        loopBody.addOutput(name: "j", type: nil)
        try main.addNode(
            opType: "Constant", domain: nil, name: "cond", inputNames: [], outputNames: ["cond_value"],
            attributes: [Attribute("value", .tensor(Tensor(dataType: .bool, dims: [], storage: .raw(Data([1])))))])
        try main.addNode(
            opType: "If", domain: nil, name: "branch", inputNames: ["cond_value"], outputNames: ["y"],
            attributes: [
                Attribute("then_branch", .graph(try thenBranch.finish())),
                Attribute("else_branch", .graph(try elseBranch.finish())),
                Attribute("bodies", .graphs([try loopBody.finish()])),
            ])
        try main.addNode(
            opType: "Square", domain: "com.example", name: "call", inputNames: ["t"], outputNames: ["z"],
            attributes: [Attribute("alpha", .float(2))])
    }

    private static func trainingInfo() throws -> TrainingInfo {
        let initialization = GraphBuilder(name: "init")
        try initialization.addNode(
            opType: "Constant", domain: nil, name: nil, inputNames: [], outputNames: ["bias_init"],
            attributes: [Attribute("value", .tensor(Tensor.floats([0, 0, 0], dims: [3])))])
        initialization.addOutput(name: "bias_init", type: nil)
        return TrainingInfo(
            initialization: try initialization.finish(), algorithm: nil,
            initializationBinding: [KeyValue("bias", "bias_init")], updateBinding: [])
    }

    private static func function() throws -> Function {
        let body = GraphBuilder(name: nil)
        body.addInput(name: "a", type: nil)
        try body.addNode(
            opType: "Mul", domain: nil, name: nil, inputNames: ["a", "a"], outputNames: ["sq"],
            attributes: [Attribute("scale", .valueless(.float), refAttrName: "alpha")])
        body.addOutput(name: "sq", type: nil)
        body.addValueInfo(name: "sq", type: .tensor(.float, nil))
        return Function(
            name: "Square", domain: "com.example", overload: "v2", attributeNames: ["alpha"],
            attributeDefaults: [Attribute("beta", .ints([1, 2]))], body: try body.finish(),
            opsetImports: [OpsetImport(domain: "", version: 21)], docString: "squares",
            metadataProps: [KeyValue("f", "g")])
    }
}
