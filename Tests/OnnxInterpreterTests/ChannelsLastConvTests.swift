import OnnxIR
import Testing

@testable import OnnxInterpreter

/// A 1×1 Conv between a channels-last model's Transposes runs on the channels-last tensors in unobserved
/// runs (`ChannelsLastConv`), with the bits of the Transposes and the NCHW kernel that observed runs use.
@Suite struct ChannelsLastConvTests {
    /// One convolution of tf2onnx's shape: x [N, H, W, C] → Transpose → Conv → Transpose → Relu → y, the
    /// Conv with `filters` filters of the given kernel, attributes and (optionally) a bias.
    static func model(
        channels: Int, filters: Int, kernel: Int = 1, group: Int = 1, bias: Bool, attributes: [Attribute] = [],
        weightsAsInput: Bool = false
    ) throws -> Model {
        let builder = GraphBuilder(name: "nhwc_conv")
        builder.addInput(name: "x", type: nil)
        let weights = PanelGemmTests.Case.values(count: filters * channels / group * kernel * kernel, seed: 31)
        let weightDims = [Int64(filters), Int64(channels / group), Int64(kernel), Int64(kernel)]
        if weightsAsInput {
            builder.addInput(name: "w", type: .tensor(.float, Shape(weightDims.map { .known($0) })))
        }
        builder.addInitializer(Tensor.floats(weights, dims: weightDims, name: "w"))
        var convInputs = ["nchw", "w"]
        if bias {
            builder.addInitializer(
                Tensor.floats(PanelGemmTests.Case.values(count: filters, seed: 32), dims: [Int64(filters)], name: "b"))
            convInputs.append("b")
        }
        try builder.addNode(
            opType: "Transpose", domain: nil, name: "to_nchw", inputNames: ["x"], outputNames: ["nchw"],
            attributes: [.ints("perm", [0, 3, 1, 2])])
        try builder.addNode(
            opType: "Conv", domain: nil, name: "conv", inputNames: convInputs, outputNames: ["conv_out"],
            attributes: attributes + (group == 1 ? [] : [.int("group", group)]))
        try builder.addNode(
            opType: "Transpose", domain: nil, name: "to_nhwc", inputNames: ["conv_out"], outputNames: ["nhwc"],
            attributes: [.ints("perm", [0, 2, 3, 1])])
        try builder.addNode(
            opType: "Relu", domain: nil, name: "relu", inputNames: ["nhwc"], outputNames: ["y"], attributes: [])
        builder.addOutput(name: "y", type: nil)
        return Model(graph: try builder.finish(), opsetImports: [OpsetImport(domain: "", version: 17)])
    }

    /// The output of an unobserved and of an observed run (which keeps the Transposes and the NCHW kernel).
    static func outputs(_ model: Model, input: NDArray) throws -> (fast: NDArray, plain: NDArray) {
        let interpreter = try Interpreter(model: model)
        let fast = try #require(try interpreter.run(["x": input])["y"])
        let plain = try #require(
            try interpreter.run(["x": input], observer: ElementwiseFusionTests.watchEverything)["y"])
        return (fast, plain)
    }

    struct Case: CustomStringConvertible, Sendable {
        let shape: [Int]
        let filters: Int
        let bias: Bool
        let strides: [Int]
        let pads: [Int]
        var description: String { "x \(shape) filters \(filters) bias \(bias) strides \(strides) pads \(pads)" }
    }

    static let cases: [Case] = [
        Case(shape: [1, 5, 7, 3], filters: 2, bias: false, strides: [1, 1], pads: [0, 0, 0, 0]),
        Case(shape: [2, 9, 6, 40], filters: 70, bias: true, strides: [1, 1], pads: [0, 0, 0, 0]),
        Case(shape: [1, 14, 14, 300], filters: 33, bias: true, strides: [2, 2], pads: [0, 0, 0, 0]),
        Case(shape: [3, 4, 5, 17], filters: 16, bias: true, strides: [2, 1], pads: [1, 0, 2, 1]),
    ]

    @Test(arguments: cases)
    func pointwiseConvolutionsKeepTheNCHWBits(_ test: Case) throws {
        let attributes: [Attribute] = [.ints("strides", test.strides), .ints("pads", test.pads)]
        let model = try Self.model(
            channels: test.shape[3], filters: test.filters, bias: test.bias, attributes: attributes)
        #expect(try Interpreter(model: model).scheduleLengths == (4, 2))
        let input = try NDArray(
            floats: ElementwiseFusionTests.values(test.shape.reduce(1, *), seed: 8), shape: test.shape)
        let (fast, plain) = try Self.outputs(model, input: input)
        #expect(fast.shape == plain.shape)
        #expect(fast.shape.last == test.filters)
        #expect(BitIdentity.firstDifference(try fast.floatValues(), try plain.floatValues()) == nil)
    }

    /// Wider windows and several groups take the Transposes and the NCHW kernel; weights given at run time
    /// take the fast path. Every way gives the NCHW kernel's bits.
    @Test func otherConvolutionsKeepTheNCHWBits() throws {
        let input = try NDArray(floats: ElementwiseFusionTests.values(2 * 6 * 6 * 8, seed: 9), shape: [2, 6, 6, 8])
        let models = [
            try Self.model(channels: 8, filters: 24, kernel: 3, bias: true, attributes: [.ints("pads", [1, 1, 1, 1])]),
            try Self.model(channels: 8, filters: 24, group: 2, bias: false),
            try Self.model(channels: 8, filters: 24, bias: true, weightsAsInput: true),
        ]
        for model in models {
            let (fast, plain) = try Self.outputs(model, input: input)
            #expect(fast.shape == plain.shape)
            #expect(BitIdentity.firstDifference(try fast.floatValues(), try plain.floatValues()) == nil)
        }
    }

    /// A Conv whose W does not fit X still fails naming the Conv, as it does node by node.
    @Test func aChannelMismatchNamesTheConv() throws {
        let model = try Self.model(channels: 8, filters: 24, bias: false)
        let interpreter = try Interpreter(model: model)
        let input = try NDArray(floats: ElementwiseFusionTests.values(2 * 3 * 3 * 5, seed: 10), shape: [2, 3, 3, 5])
        for observer in [nil, ElementwiseFusionTests.watchEverything] {
            #expect {
                try interpreter.run(["x": input], observer: observer)
            } throws: { error in
                "\(error)".contains("'conv'")
            }
        }
    }

    /// A transposed tensor an observer watches is stored and seen, with the bits it has node by node; one
    /// nobody watches is never stored.
    @Test func aWatchedTransposeIsKept() throws {
        let model = try Self.model(channels: 8, filters: 24, bias: true)
        let interpreter = try Interpreter(model: model)
        let input = try NDArray(floats: ElementwiseFusionTests.values(6 * 6 * 8, seed: 11), shape: [1, 6, 6, 8])
        var everything: [String: [Float]] = [:]
        _ = try interpreter.run(["x": input]) { everything[$0.name] = try $0.array.floatValues() }
        for wanted in ["nchw", "y"] {
            var seen: [String: [Float]] = [:]
            _ = try interpreter.run(["x": input], observer: { seen[$0.name] = try $0.array.floatValues() }) {
                $0 == wanted
            }
            let values = try #require(seen[wanted])
            #expect(BitIdentity.firstDifference(values, try #require(everything[wanted])) == nil)
            #expect((seen["conv_out"] != nil) == (wanted == "nchw"))
        }
    }
}
