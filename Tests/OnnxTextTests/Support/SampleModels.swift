import Foundation
import OnnxIR

/// Hand-built models that exercise every part of the textual syntax.
enum SampleModels {
    /// The special and boundary floats of the `w` initializer, bit for bit.
    static let specialFloats: [Float] = [
        0, -0.0, 1, 0.1, 1.0 / 3, -Float.leastNonzeroMagnitude, Float.leastNormalMagnitude,
        Float.greatestFiniteMagnitude, .infinity, -.infinity, .nan, -.nan, 16_777_216, 1e-7,
    ]

    /// The elements of the `i4` initializer.
    static let int4Values: [Int64] = [-8, 7, -1, 0, 3]

    /// A model with every element type, attribute kind, type form, subgraphs with captures,
    /// functions with attribute references, and names that need quotes.
    static func everything() throws -> Model {
        let main = GraphBuilder(name: "main graph")
        addInputs(main)
        for tensor in try initializers() { main.addInitializer(tensor) }
        main.addValueInfo(name: "/layer/Add_output_0", type: .tensor(.float, Shape([.symbolic("N"), .known(3)])))
        try addPlainNodes(main)
        try addControlFlowNodes(main)
        main.addOutput(name: "fn_out", type: .tensor(.float, Shape([.symbolic("N"), .known(3)])))
        main.addOutput(name: "if_out", type: nil)
        main.addOutput(name: "loop_out", type: .tensor(.float, Shape([.symbolic("N"), .known(3)])))
        return Model(
            graph: try main.finish(), irVersion: 10,
            opsetImports: [OpsetImport(domain: "", version: 21), OpsetImport(domain: "com.example", version: 1)],
            producerName: "qdqc \"tests\"", producerVersion: "1.0", domain: "org.example", modelVersion: 3,
            docString: "a model\nwith two lines", metadataProps: [KeyValue("key", "value \\ backslash")],
            functions: [try scaledLeakyRelu(), try plainFunction()])
    }

    private static func addInputs(_ main: GraphBuilder) {
        main.addInput(name: "x", type: .tensor(.float, Shape([.symbolic("N"), .known(3)])))
        main.addInput(name: "cond", type: .tensor(.bool, Shape([])))
        main.addInput(name: "x.1", type: .tensor(.float, Shape([.unknown, .symbolic("batch size"), .known(-1)])))
        main.addInput(name: "float", type: .tensor(.float, nil))
        main.addInput(name: "sequence", type: ValueType(.sequence(.tensor(.float, Shape(static: [2])))))
        main.addInput(
            name: "mapping", type: ValueType(.map(keyType: .int64, valueType: .tensor(.float, Shape([])))))
        main.addInput(name: "maybe", type: ValueType(.optional(.tensor(.int64, Shape(static: [1])))))
        main.addInput(
            name: "sparse", type: ValueType(.sparseTensor(elementType: .float, shape: Shape(static: [4, 4]))))
        main.addInput(name: "blob", type: ValueType(.opaque(domain: "com.example", name: "Blob")))
        main.addInput(name: "untyped", type: nil)
        main.addInput(name: "onnx::Conv_123", type: .tensor(.float16, Shape(static: [2])))
    }

    static func initializers() throws -> [Tensor] {
        func raw<T>(_ name: String, _ type: DataType, _ dims: [Int64], _ values: [T]) -> Tensor {
            Tensor(name: name, dataType: type, dims: dims, storage: .raw(values.withUnsafeBytes { Data($0) }))
        }
        return [
            raw("w", .float, [Int64(specialFloats.count)], specialFloats),
            raw("StatefulPartitionedCall:0", .float, [3], [Float(1), 2, 3]),
            Tensor(name: "shape", dataType: .int64, dims: [2], storage: .int64s([-1, Int64.min])),
            raw("u8", .uint8, [3], [UInt8(0), 128, 255]),
            Tensor(name: "i8", dataType: .int8, dims: [3], storage: .int32s([-128, 0, 127])),
            raw("flags", .bool, [2], [UInt8(0), 1]),
            Tensor(name: "half", dataType: .float16, dims: [2], storage: .int32s([0x3C00, 0xFC00])),
            raw("bf", .bfloat16, [2], [UInt16(0x3F80), 0x7FC0]),
            Tensor(
                name: "dbl", dataType: .double, dims: [3],
                storage: .doubles([0.1, -.infinity, Double.leastNormalMagnitude / 3])),
            Tensor(name: "u32", dataType: .uint32, dims: [2], storage: .uint64s([0, 4_294_967_295])),
            raw("u64", .uint64, [1], [UInt64.max]),
            raw("i16", .int16, [2], [Int16.min, Int16.max]),
            raw("u16", .uint16, [1], [UInt16.max]),
            Tensor(name: "i32", dataType: .int32, dims: [2], storage: .int32s([Int32.min, Int32.max])),
            Tensor(name: "i4", dataType: .int4, dims: [5], storage: .raw(packed(int4Values, bits: 4))),
            Tensor(name: "u4", dataType: .uint4, dims: [3], storage: .raw(packed([15, 0, 9], bits: 4))),
            Tensor(name: "i2", dataType: .int2, dims: [5], storage: .raw(packed([-2, 1, -1, 0, 1], bits: 2))),
            Tensor(name: "u2", dataType: .uint2, dims: [4], storage: .raw(packed([3, 2, 1, 0], bits: 2))),
            Tensor(name: "f4", dataType: .float4e2m1, dims: [3], storage: .raw(packed([1, 15, 8], bits: 4))),
            Tensor(name: "f6", dataType: .float6e2m3, dims: [5], storage: .raw(packed([63, 1, 32, 7, 44], bits: 6))),
            Tensor(name: "f6b", dataType: .float6e3m2, dims: [4], storage: .raw(packed([5, 60, 0, 33], bits: 6))),
            raw("f8", .float8e4m3fn, [2], [UInt8(0x38), 0xFF]),
            raw("f8b", .float8e5m2fnuz, [1], [UInt8(0x80)]),
            raw("e8m0", .float8e8m0, [1], [UInt8(127)]),
            Tensor(name: "c64", dataType: .complex64, dims: [2], storage: .floats([1, 2, 3, -4])),
            Tensor(name: "c128", dataType: .complex128, dims: [1], storage: .doubles([0.5, -0.25])),
            Tensor(
                name: "words", dataType: .string, dims: [3],
                storage: .strings([Array("plain".utf8), Array("quote \" and \\ back".utf8), Array("line\nbreak".utf8)])),
            Tensor(name: "scalar", dataType: .float, dims: [], storage: .floats([2.5])),
            raw("empty", .float, [0], [Float]()),
        ]
    }

    /// Packs small integers LSB first, as ONNX stores sub-byte types.
    static func packed(_ values: [Int64], bits: Int) -> Data {
        var bytes = [UInt8](repeating: 0, count: (values.count * bits + 7) / 8)
        for (index, value) in values.enumerated() {
            for bit in 0..<bits where (value >> Int64(bit)) & 1 == 1 {
                let position = index * bits + bit
                bytes[position / 8] |= 1 << UInt8(position % 8)
            }
        }
        return Data(bytes)
    }

    private static func addPlainNodes(_ main: GraphBuilder) throws {
        let add = try main.addNode(
            opType: "Add", domain: "", name: "add", inputNames: ["x", "StatefulPartitionedCall:0"],
            outputNames: ["/layer/Add_output_0"], attributes: [])
        add.docString = "dropped by the printer"
        try main.addNode(
            opType: "Cast", domain: "", name: nil, inputNames: ["/layer/Add_output_0"], outputNames: ["y_cast"],
            attributes: [Attribute("to", .int(1))])
        try main.addNode(
            opType: "LeakyRelu", domain: "", name: "node/with spaces", inputNames: ["y_cast"],
            outputNames: ["leaky"], attributes: [Attribute("alpha", .float(0.1))])
        try main.addNode(
            opType: "Clip", domain: "", name: nil, inputNames: ["leaky", "", "scalar"], outputNames: ["clipped"],
            attributes: [])
        try main.addNode(
            opType: "Dropout", domain: "", name: nil, inputNames: ["clipped"], outputNames: ["dropped", ""],
            attributes: [])
        try main.addNode(
            opType: "Everything", domain: "com.example", name: "every attribute",
            inputNames: [
                "dropped", "x.1", "float", "sequence", "mapping", "maybe", "sparse", "blob", "untyped",
                "onnx::Conv_123",
            ],
            outputNames: ["everything"], attributes: try everyAttribute())
        try main.addNode(
            opType: "Sink", domain: "com.example", name: nil, inputNames: ["everything"], outputNames: [],
            attributes: [])
        let call = try main.addNode(
            opType: "ScaledLeakyRelu", domain: "com.example", name: nil, inputNames: ["x"], outputNames: ["fn_out"],
            attributes: [Attribute("alpha", .float(2))])
        call.overload = "v2"
    }

    private static func everyAttribute() throws -> [Attribute] {
        let named = Tensor(name: "t.const", dataType: .float, dims: [2], storage: .floats([1.5, -2]))
        let plain = Tensor(name: "tconst", dataType: .int64, dims: [2], storage: .int64s([7, -7]))
        let scalar = Tensor(dataType: .int32, dims: [], storage: .int32s([42]))
        return [
            Attribute("f", .float(1e-7)), Attribute("neg0", .float(-0.0)), Attribute("pinf", .float(.infinity)),
            Attribute("minf", .float(-.infinity)), Attribute("nanv", .float(.nan)), Attribute("i", .int(-5)),
            Attribute("s", .string(Array("he said \"hi\" \\ bye".utf8))), Attribute("t", .tensor(named)),
            Attribute("t2", .tensor(plain)), Attribute("t3", .tensor(scalar)),
            Attribute("floats", .floats([1.5, -0.0, .infinity, .nan])), Attribute("ints", .ints([1, -2, 3])),
            Attribute("strings", .strings([Array("a".utf8), Array("b c".utf8)])),
            Attribute("tensors", .tensors([plain, scalar])),
            Attribute("tp", .type(.tensor(.float, Shape([.symbolic("N"), .known(3)])))),
            Attribute("tps", .types([.tensor(.int64, Shape([])), ValueType(.sequence(.tensor(.float, nil)))])),
            Attribute("empty_ints", .ints([])), Attribute("empty_strings", .strings([])),
            Attribute("empty_graphs", .graphs([])),
        ]
    }

    private static func addControlFlowNodes(_ main: GraphBuilder) throws {
        let thenBranch = GraphBuilder(name: "then.branch", outer: main)
        try thenBranch.addNode(
            opType: "Identity", domain: "", name: nil, inputNames: ["/layer/Add_output_0"], outputNames: ["then_y"],
            attributes: [])
        thenBranch.addOutput(name: "then_y", type: .tensor(.float, Shape([.symbolic("N"), .known(3)])))
        let elseBranch = GraphBuilder(name: nil, outer: main)
        try elseBranch.addNode(
            opType: "Neg", domain: "", name: nil, inputNames: ["x"], outputNames: ["else_y"], attributes: [])
        elseBranch.addOutput(name: "else_y", type: .tensor(.float, Shape([.symbolic("N"), .known(3)])))
        try main.addNode(
            opType: "If", domain: "", name: "if", inputNames: ["cond"], outputNames: ["if_out"],
            attributes: [
                Attribute("then_branch", .graph(try thenBranch.finish())),
                Attribute("else_branch", .graph(try elseBranch.finish())),
            ])
        try main.addNode(
            opType: "Loop", domain: "", name: nil, inputNames: ["", "cond", "x"], outputNames: ["loop_out"],
            attributes: [Attribute("body", .graph(try loopBody(outer: main)))])
        let first = GraphBuilder(name: "nan_first", outer: main)
        try first.addNode(
            opType: "Identity", domain: "", name: nil, inputNames: ["x"], outputNames: ["a"], attributes: [])
        first.addOutput(name: "a", type: nil)
        let second = GraphBuilder(name: "float", outer: main)
        try second.addNode(
            opType: "Identity", domain: "", name: nil, inputNames: ["w"], outputNames: ["b"], attributes: [])
        second.addOutput(name: "b", type: nil)
        try main.addNode(
            opType: "Multi", domain: "com.example", name: nil, inputNames: [], outputNames: ["multi"],
            attributes: [Attribute("branches", .graphs([try first.finish(), try second.finish()]))])
    }

    private static func loopBody(outer: GraphBuilder) throws -> Graph {
        let body = GraphBuilder(name: "body", outer: outer)
        body.addInput(name: "iteration", type: .tensor(.int64, Shape([])))
        body.addInput(name: "cond_in", type: .tensor(.bool, Shape([])))
        body.addInput(name: "carried", type: .tensor(.float, Shape([.symbolic("N"), .known(3)])))
        body.addInitializer(Tensor(name: "step", dataType: .float, dims: [1], storage: .floats([0.5])))
        try body.addNode(
            opType: "Identity", domain: "", name: nil, inputNames: ["cond_in"], outputNames: ["cond_out"],
            attributes: [])
        try body.addNode(
            opType: "Add", domain: "", name: nil, inputNames: ["carried", "StatefulPartitionedCall:0"],
            outputNames: ["sum"], attributes: [])
        try body.addNode(
            opType: "Add", domain: "", name: nil, inputNames: ["sum", "step"], outputNames: ["carried_out"],
            attributes: [])
        body.addOutput(name: "cond_out", type: .tensor(.bool, Shape([])))
        body.addOutput(name: "carried_out", type: .tensor(.float, Shape([.symbolic("N"), .known(3)])))
        return try body.finish()
    }

    private static func scaledLeakyRelu() throws -> Function {
        let body = GraphBuilder(name: "ScaledLeakyRelu")
        body.addInput(name: "X", type: .tensor(.float, Shape([.symbolic("N")])))
        try body.addNode(
            opType: "Mul", domain: "", name: nil, inputNames: ["X", "X"], outputNames: ["scaled"], attributes: [])
        try body.addNode(
            opType: "LeakyRelu", domain: "", name: nil, inputNames: ["scaled"], outputNames: ["Z"],
            attributes: [Attribute("alpha", .valueless(.float), refAttrName: "alpha")])
        body.addOutput(name: "Z", type: nil)
        body.addValueInfo(name: "scaled", type: .tensor(.float, Shape([.symbolic("N")])))
        return Function(
            name: "ScaledLeakyRelu", domain: "com.example", overload: "v2", attributeNames: ["alpha"],
            attributeDefaults: [Attribute("beta", .float(0.5))], body: try body.finish(),
            opsetImports: [OpsetImport(domain: "", version: 21)], docString: "scales, then leaks")
    }

    private static func plainFunction() throws -> Function {
        let body = GraphBuilder(name: "Twice")
        body.addInput(name: "A", type: nil)
        try body.addNode(
            opType: "Add", domain: "", name: nil, inputNames: ["A", "A"], outputNames: ["B"], attributes: [])
        body.addOutput(name: "B", type: nil)
        return Function(
            name: "Twice", domain: "com.example", body: try body.finish(),
            opsetImports: [OpsetImport(domain: "", version: 21)])
    }

    /// A small model with one large initializer, one large Constant, and a small initializer.
    static func withLargeTensors() throws -> Model {
        let main = GraphBuilder(name: "large")
        main.addInput(name: "x", type: .tensor(.float, Shape(static: [100])))
        main.addInitializer(Tensor.floats((0..<100).map { Float($0) * 0.25 }, dims: [100], name: "big"))
        main.addInitializer(Tensor.int64s([1, 2, 3], dims: [3], name: "small"))
        let constant = Tensor(
            dataType: .int32, dims: [10, 7], storage: .int32s((0..<70).map { Int32($0) - 35 }))
        try main.addNode(
            opType: "Constant", domain: "", name: nil, inputNames: [], outputNames: ["c"],
            attributes: [Attribute("value", .tensor(constant))])
        try main.addNode(
            opType: "Add", domain: "", name: nil, inputNames: ["x", "big"], outputNames: ["y"], attributes: [])
        main.addOutput(name: "y", type: .tensor(.float, Shape(static: [100])))
        main.addOutput(name: "c", type: nil)
        return Model(graph: try main.finish(), irVersion: 10, opsetImports: [OpsetImport(domain: "", version: 21)])
    }
}
