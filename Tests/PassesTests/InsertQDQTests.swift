import Calibration
import Foundation
import OnnxIR
import OnnxText
import Passes
import Quantization
import Testing

/// `insert-qdq` and `cleanup-qdq` on small models with calibration tables built in the test.
@Suite struct InsertQDQTests {
    static let convModel = """
        <
           ir_version: 8,
           opset_import: ["" : 17]
        >
        g (float[1,1,4,4] x) => (float[1,2,4,4] y)
           <float[2,1,1,1] w = {0.5, -2}, float[2] b = {0.1, -0.2}>
        {
           c = Conv (x, w, b)
           y = Relu (c)
        }
        """

    static func table(_ ranges: [String: (Float, Float)]) -> CalibrationTable {
        var tensors: [String: TensorCalibration] = [:]
        for (name, (low, high)) in ranges {
            let range = CalibrationRange(min: low, max: high)
            tensors[name] = TensorCalibration(
                range: range, observed: range, counts: ValueCounts(batches: 1, finite: 16))
        }
        return CalibrationTable(
            modelSHA256: String(repeating: "0", count: 64), method: .minMax, options: [:], sampleCount: 1,
            qdqcVersion: "test", tensors: tensors)
    }

    static func run(
        _ text: String, pipeline: String, ranges: [String: (Float, Float)]?
    ) throws -> (Model, PipelineSession) {
        let model = try TextParser.parseModel(text)
        let session = PipelineSession()
        session.calibrationTable = ranges.map(table)
        let manager = try PassManager(
            pipeline: try Pipeline.parse(pipeline), options: PassManagerOptions(diagnostics: .discard))
        _ = try manager.run(on: model, context: PassContext(session: session))
        return (model, session)
    }

    static func initializer(_ model: Model, _ name: String) -> Tensor? {
        model.graph.initializers.first { $0.name == name }?.initializer
    }

    @Test func tensorRTQuantizesTheConvInputAndWeightsPerChannelAndKeepsTheOutputFloat() throws {
        let (model, session) = try Self.run(
            Self.convModel.replacingOccurrences(
                of: "float[2,1,1,1] w = {0.5, -2}", with: "float[2,1,1,1] w = {0.5, -2}"),
            pipeline: "insert-qdq{target=tensorrt}", ranges: ["x": (-1, 2), "c": (-3, 3), "y": (0, 3)])
        // The Conv has 2 weights, far below the small-convolution limit: TensorRT keeps it in float.
        #expect(!model.graph.nodes.contains { $0.opType == "QuantizeLinear" })
        #expect(session.quantizationDecisions.contains { $0.tensor == "x" && !$0.quantized })
        let (ort, ortSession) = try Self.run(
            Self.convModel, pipeline: "insert-qdq{target=ort}", ranges: ["x": (-1, 2), "c": (-3, 3), "y": (0, 3)])
        let scaleTensor = try #require(Self.initializer(ort, "w_scale"))
        let weightScale = ConstantData.floats(scaleTensor)
        // ONNX Runtime's reduced int8 weight range [-64, 64] (reduce-range defaults to true for ort).
        let expectedScales: [Float] = [Float(0.5 / 64.0), Float(2.0 / 64.0)]
        #expect(weightScale == expectedScales)
        let bias = try #require(Self.initializer(ort, "b_quantized"))
        #expect(bias.dataType == .int32)
        let decision = try #require(ortSession.quantizationDecisions.first { $0.tensor == "x" })
        #expect(decision.quantized && decision.format == "uint8")
        #expect(decision.calibratedRange == CalibrationRange(min: -1, max: 2))
        #expect(decision.calibrationMethod == "minmax")
        // Relu's input takes the Relu's range (ONNX Runtime's adjust_tensor_ranges): zero point 0.
        let zero = try #require(Self.initializer(ort, "c_zero_point"))
        #expect(try zero.rawBytes() == Data([0]))
        #expect(ortSession.quantizationDecisions.contains { $0.tensor == "b" && $0.format == "int32" })
    }

    /// A MatMul's constant right operand of rank 3 or more (attention memory baked into a decoder) is quantized
    /// per tensor for every target: ONNX Runtime's fused MatMulIntegerToFloat refuses a per-column scale on it.
    @Test(arguments: ["tensorrt", "ort"])
    func aBatchedConstantMatMulOperandIsQuantizedPerTensor(target: String) throws {
        let text = """
            <ir_version: 8, opset_import: ["" : 17]>
            batched (float[2,3,4] x) => (float[2,3,2] y) {
               y = MatMul (x, m)
            }
            """
        let values = (0..<16).map { String(Float($0 - 8) / 8) }.joined(separator: ", ")
        let withConstant = text.replacingOccurrences(
            of: "batched (float[2,3,4] x) => (float[2,3,2] y) {",
            with: "batched (float[2,3,4] x) => (float[2,3,2] y)\n<float[2,4,2] m = {\(values)}>\n{")
        let (model, session) = try Self.run(
            withConstant, pipeline: "insert-qdq{target=\(target)}", ranges: ["x": (-1, 2), "y": (-3, 3)])
        let scale = try #require(Self.initializer(model, "m_scale"))
        #expect(scale.dims.reduce(1, *) == 1)
        let dequantize = try #require(
            model.graph.nodes.first { $0.opType == "DequantizeLinear" && $0.inputs[0]?.name == "m_quantized" })
        #expect(dequantize.attribute("axis") == nil)
        #expect(session.quantizationDecisions.contains { $0.tensor == "m" && $0.quantized })
    }

    @Test func aGraphInputThatIsAlsoAGraphOutputKeepsItsName() throws {
        // ort quantizes graph outputs by renaming the float value; for a graph input that renamed the
        // model's input ('x' became 'x_float'), so users' feeds no longer matched.
        let text = Self.convModel.replacingOccurrences(
            of: "=> (float[1,2,4,4] y)", with: "=> (float[1,2,4,4] y, float[1,1,4,4] x)")
        let (model, _) = try Self.run(
            text, pipeline: "insert-qdq{target=ort}", ranges: ["x": (-1, 2), "c": (-3, 3), "y": (0, 3)])
        #expect(model.graph.inputs.map(\.name) == ["x"])
        #expect(model.graph.outputs.map(\.name) == ["y", "x"])
        #expect(model.graph.outputs[1] === model.graph.inputs[0])
        try Verifier().verify(model)
    }

    @Test func aTensorWithoutCalibrationIsAnErrorNamingIt() throws {
        #expect {
            try Self.run(Self.convModel, pipeline: "insert-qdq{target=ort}", ranges: ["x": (-1, 2)])
        } throws: { "\($0)".contains("has no range for tensor 'y'") }
        #expect {
            try Self.run(Self.convModel, pipeline: "insert-qdq{target=ort}", ranges: nil)
        } throws: { "\($0)".contains("--calib-data") }
    }

    @Test func aZeroWidthRangeGetsTheDocumentedSafeScale() throws {
        let (model, _) = try Self.run(
            Self.convModel, pipeline: "insert-qdq{target=ort}", ranges: ["x": (0, 0), "c": (0, 0), "y": (0, 0)])
        for name in ["x_scale", "c_scale", "y_scale"] {
            let tensor = try #require(Self.initializer(model, name))
            let scale = ConstantData.floats(tensor)
            #expect(scale == [QuantParams.degenerateRangeScale], "\(name)")
        }
    }

    @Test func sentinelRangesStayFloat() throws {
        let (model, session) = try Self.run(
            Self.convModel, pipeline: "insert-qdq{target=ort}",
            ranges: ["x": (-Float.greatestFiniteMagnitude, 1), "c": (-3, 3), "y": (0, 3)])
        #expect(!model.graph.nodes.contains { $0.opType == "QuantizeLinear" && $0.inputs.first??.name == "x" })
        let decision = try #require(session.quantizationDecisions.first { $0.tensor == "x" })
        #expect(!decision.quantized && decision.rule.contains("sentinel"), "\(decision.rule)")
        // Without a quantized input, the Conv's bias stays float.
        #expect(Self.initializer(model, "b") != nil)
    }

    /// A Softmax input whose range reaches an additive attention mask (-1e9) stays float: one scale over
    /// [-1e9, 5] maps every real score to one code. The same range elsewhere is quantized.
    @Test(arguments: ["tensorrt", "ort"])
    func aMaskedSoftmaxInputStaysFloat(target: String) throws {
        let text = """
            <ir_version: 8, opset_import: ["" : 17]>
            masked (float[2,4] x, float[2,4] mask) => (float[2,4] y, float[2,4] z) {
               s = MatMul (x, w)
               m = Add (s, mask)
               y = Softmax <axis = -1> (m)
               z = MatMul (m, w)
            }
            """
        let values = (0..<16).map { String(Float($0 - 8) / 8) }.joined(separator: ", ")
        let model = text.replacingOccurrences(
            of: "(float[2,4] y, float[2,4] z) {", with: "(float[2,4] y, float[2,4] z)\n<float[4,4] w = {\(values)}>\n{")
        let ranges: [String: (Float, Float)] = [
            "x": (-1, 1), "mask": (-1e9, 0), "s": (-5, 5), "m": (-1e9, 5), "y": (0, 1), "z": (-3, 3),
        ]
        let (_, session) = try Self.run(model, pipeline: "insert-qdq{target=\(target)}", ranges: ranges)
        let decision = try #require(session.quantizationDecisions.first { $0.tensor == "m" })
        #expect(!decision.quantized && decision.rule.contains("mask"), "\(decision.rule)")
        #expect(session.quantizationDecisions.contains { $0.tensor == "x" && $0.quantized })
    }

    @Test func reduceRangeIsAnOnnxRuntimeOption() throws {
        let (full, _) = try Self.run(
            Self.convModel, pipeline: "insert-qdq{target=ort,reduce-range=false}",
            ranges: ["x": (-1, 2), "c": (-3, 3), "y": (0, 3)])
        let scale = try #require(Self.initializer(full, "w_scale"))
        let expected: [Float] = [Float(0.5 / 127.0), Float(2.0 / 127.0)]
        #expect(ConstantData.floats(scale) == expected)
        #expect(throws: (any Error).self) {
            try PassRegistry().makePasses(try Pipeline.parse("insert-qdq{target=tensorrt,reduce-range=true}"))
        }
    }

    @Test func anOpsetTooOldForPerChannelWeightsNamesUpgradeOpset() throws {
        let old = Self.convModel.replacingOccurrences(of: "\"\" : 17", with: "\"\" : 11")
        #expect {
            try Self.run(old, pipeline: "insert-qdq{target=ort}", ranges: ["x": (-1, 2), "c": (-3, 3), "y": (0, 3)])
        } throws: { "\($0)".contains("upgrade-opset{to=13}") && "\($0)".contains("opset 11") }
        let (model, _) = try Self.run(
            old, pipeline: "insert-qdq{target=ort,per-channel=false}",
            ranges: ["x": (-1, 2), "c": (-3, 3), "y": (0, 3)])
        #expect(model.graph.nodes.contains { $0.opType == "QuantizeLinear" }, "per tensor works at opset 11")
    }

    @Test func optionsTheTargetDoesNotTakeAreRefused() {
        for (pipeline, fragment) in [
            ("insert-qdq{target=tensorrt,activations=uint8}", "does not take uint8"),
            ("insert-qdq{target=tensorrt,symmetric-activations=false}", "symmetric"),
            ("insert-qdq{target=gpu}", "unknown target 'gpu'"),
            ("insert-qdq{exclude-nodes=\"(\"}", "regular expression"),
            ("insert-qdq{block-size=-1}", "block-size"),
            ("cleanup-qdq{target=gpu}", "unknown target"),
        ] {
            #expect(throws: (any Error).self, "\(pipeline)") {
                try PassRegistry().makePasses(try Pipeline.parse(pipeline))
            }
            do {
                _ = try PassRegistry().makePasses(try Pipeline.parse(pipeline))
            } catch {
                #expect("\(error)".contains(fragment), "\(pipeline): \(error)")
            }
        }
    }

    @Test func configFilesAreValidatedWithErrorsNamingTheFileAndKey() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("qdqc-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cases: [(String, String)] = [
            ("{\"tensors\": {\"x\": {\"format\": \"int3\"}}}", "'format' must be one of"),
            ("{\"tensors\": {\"x\": {\"range\": [2, 1]}}}", "'range'"),
            ("{\"tensors\": {\"x\": {\"scale\": 0}}}", "'scale'"),
            ("{\"tensors\": {\"x\": {\"zero_point\": 3}}}", "needs 'scale'"),
            ("{\"tensors\": {\"x\": {\"colour\": 3}}}", "unknown key 'colour'"),
            ("{\"tensor\": {}}", "unknown key 'tensor'"),
            ("{\"version\": true}", "'version' must be 1"),
            ("{\"tensors\": []}", "'tensors' must be an object"),
            ("{\"tensors\": {\"x\": 3}}", "tensor 'x': must be an object"),
            ("{\"tensors\": {\"x\": {\"quantize\": 1}}}", "'quantize' must be true or false"),
            ("{\"tensors\": {\"x\": {\"scale\": 0.5, \"zero_point\": 2.5}}}", "'zero_point' must be an integer"),
            ("{\"tensors\": {\"x\": {\"range\": [0, 1e39]}}}", "'range'"),
            ("[1]", "top level"),
            ("{", "not valid JSON"),
        ]
        for (index, (json, fragment)) in cases.enumerated() {
            let path = folder.appendingPathComponent("c\(index).json").path
            try Data(json.utf8).write(to: URL(fileURLWithPath: path))
            do {
                _ = try QuantizationConfig.read(path: path)
                Issue.record("\(json) was accepted")
            } catch {
                #expect("\(error)".contains(fragment) && "\(error)".contains(path), "\(json): \(error)")
            }
        }
        let good = folder.appendingPathComponent("good.json").path
        try Data(
            "{\"version\": 1, \"tensors\": {\"x\": {\"scale\": 0.5, \"zero_point\": 3}, \"c\": {\"range\": [-8, 8]}, \"w\": {\"quantize\": false}}}"
                .utf8
        ).write(to: URL(fileURLWithPath: good))
        let (model, session) = try Self.run(
            Self.convModel, pipeline: "insert-qdq{target=ort,config=\"\(good)\"}",
            ranges: ["x": (-1, 2), "c": (-3, 3), "y": (0, 3)])
        let xScale = try #require(Self.initializer(model, "x_scale"))
        #expect(ConstantData.floats(xScale) == [0.5])
        let xZero = try #require(Self.initializer(model, "x_zero_point"))
        #expect(try xZero.rawBytes() == Data([3]))
        let cScale = try #require(Self.initializer(model, "c_scale"))
        let expectedC: [Float] = [Float(16.0 / 255.0)]
        #expect(ConstantData.floats(cScale) == expectedC)
        #expect(Self.initializer(model, "w") != nil, "w stays float")
        #expect(session.quantizationDecisions.contains { $0.tensor == "w" && !$0.quantized })
        let unknown = folder.appendingPathComponent("unknown.json").path
        try Data("{\"tensors\": {\"nope\": {\"quantize\": false}}}".utf8).write(to: URL(fileURLWithPath: unknown))
        #expect {
            try Self.run(Self.convModel, pipeline: "insert-qdq{config=\"\(unknown)\"}", ranges: ["x": (0, 1)])
        } throws: { "\($0)".contains("'nope' is not in the model") }
    }

    @Test func anAlreadyQuantizedModelIsRefused() throws {
        let (model, _) = try Self.run(
            Self.convModel, pipeline: "insert-qdq{target=ort}", ranges: ["x": (-1, 2), "c": (-3, 3), "y": (0, 3)])
        let manager = try PassManager(
            pipeline: try Pipeline.parse("insert-qdq{target=ort}"), options: PassManagerOptions(diagnostics: .discard))
        #expect { try manager.run(on: model) } throws: { "\($0)".contains("already quantized") }
    }

    @Test func ortPipelineEndsWithFusableConvAndNoRelu() throws {
        let (model, _) = try Self.run(
            Self.convModel, pipeline: "insert-qdq{target=ort},cleanup-qdq{target=ort}",
            ranges: ["x": (-1, 2), "c": (-3, 3), "y": (0, 3)])
        let ops = model.graph.nodes.map(\.opType)
        #expect(!ops.contains("Relu"), "\(ops)")
        #expect(ops.filter { $0 == "QuantizeLinear" }.count == 2, "\(ops)")
        #expect(model.graph.outputs.first?.name == "y")
        #expect(model.graph.outputs.first?.producer?.opType == "DequantizeLinear")
        try Verifier().verify(model)
    }
}
