import Foundation
import OnnxIR
import Quantization
import SeededRandom
import Testing

/// Weight quantization checked element for element against `onnx.reference` QuantizeLinear/DequantizeLinear
/// (opset 21) and, for the parameters, against ONNX Runtime's `compute_data_quant_params` /
/// `compute_scale_zp_blocked`.
@Suite struct WeightQuantizationTests {
    struct Case: Codable {
        var format: String
        var shape: [Int]
        var weight: String
        var axis: Int?
        var blockSize: Int?
        var parameterShape: [Int]
        var scales: [UInt32]
        var zeroPoints: [Int]
        var symmetric: Bool
        var compareOnnxRuntime: Bool
    }

    struct Answer: Codable {
        var quantized: String
        var dequantized: String
        var ortScales: [UInt32]?
        var ortZeroPoints: [Int]?
    }

    static let script = """
        import base64, json, sys, warnings
        import numpy as np
        from onnx import TensorProto, helper, numpy_helper
        from onnx.reference import ReferenceEvaluator
        from onnxruntime.quantization.quant_utils import compute_data_quant_params, compute_scale_zp_blocked
        warnings.simplefilter("ignore")
        answers = []
        for case in json.load(open(sys.argv[1])):
            qtype = getattr(TensorProto, case["format"].upper())
            npq = helper.tensor_dtype_to_np_dtype(qtype)
            shape, pshape = case["shape"], case["parameterShape"]
            x = np.frombuffer(base64.b64decode(case["weight"]), dtype=np.float32).reshape(shape)
            scale = np.array(case["scales"], dtype=np.uint32).view(np.float32).reshape(pshape)
            zp = np.array(case["zeroPoints"], dtype=np.int64).astype(npq).reshape(pshape)
            attrs = {}
            if case.get("axis") is not None:
                attrs["axis"] = case["axis"]
            if case.get("blockSize") is not None:
                attrs["block_size"] = case["blockSize"]
            nodes = [helper.make_node("QuantizeLinear", ["x", "s", "zp"], ["y"], **attrs),
                     helper.make_node("DequantizeLinear", ["y", "s", "zp"], ["z"], **attrs)]
            graph = helper.make_graph(
                nodes, "g",
                [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape),
                 helper.make_tensor_value_info("s", TensorProto.FLOAT, pshape),
                 helper.make_tensor_value_info("zp", qtype, pshape)],
                [helper.make_tensor_value_info("y", qtype, shape),
                 helper.make_tensor_value_info("z", TensorProto.FLOAT, shape)])
            model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
            y, z = ReferenceEvaluator(model).run(None, {"x": x, "s": scale, "zp": zp})
            answer = {
                "quantized": base64.b64encode(numpy_helper.from_array(np.asarray(y)).raw_data).decode(),
                "dequantized": base64.b64encode(np.asarray(z, dtype=np.float32).tobytes()).decode(),
            }
            if case["compareOnnxRuntime"]:
                sym = case["symmetric"]
                if case.get("blockSize") is not None:
                    zps, scales = compute_scale_zp_blocked(x, qtype, case["axis"], case["blockSize"], sym)
                elif case.get("axis") is not None:
                    pairs = [compute_data_quant_params(x.take(i, case["axis"]).ravel(), qtype, sym)
                             for i in range(shape[case["axis"]])]
                    zps = np.array([p[0] for p in pairs])
                    scales = np.array([p[1] for p in pairs])
                else:
                    zps, scales = compute_data_quant_params(x.flatten(), qtype, sym)
                answer["ortScales"] = np.asarray(scales, dtype=np.float32).ravel().view(np.uint32).tolist()
                answer["ortZeroPoints"] = np.asarray(zps).astype(np.int64).ravel().tolist()
            answers.append(answer)
        json.dump(answers, open(sys.argv[2], "w"))
        """

    /// Weights with per-channel spread, an all-zero channel, a constant channel and an outlier.
    static func weight(shape: [Int], channelAxis: Int, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        let count = shape.reduce(1, *)
        let inner = shape[(channelAxis + 1)...].reduce(1, *)
        let channels = shape[channelAxis]
        var values = [Float](repeating: 0, count: count)
        for index in 0..<count {
            let channel = (index / inner) % channels
            switch channel {
            case 0: values[index] = 0
            case 1: values[index] = 0.375
            default: values[index] = generator.normal() * (Float(channel) * 0.05)
            }
        }
        values[count - 1] = 9.5
        values[count / 2] = -3.25
        return values
    }

    struct Layout {
        var shape: [Int]
        var granularity: QuantGranularity
        var channelAxis: Int
    }

    static let layouts: [Layout] = [
        Layout(shape: [8, 3, 3, 3], granularity: .perTensor, channelAxis: 0),
        Layout(shape: [8, 3, 3, 3], granularity: .perChannel(axis: 0), channelAxis: 0),
        Layout(shape: [4, 6, 2, 2], granularity: .perChannel(axis: 1), channelAxis: 1),
        Layout(shape: [16, 10], granularity: .perChannel(axis: 1), channelAxis: 1),
        Layout(shape: [16, 10], granularity: .perChannel(axis: -2), channelAxis: 0),
        Layout(shape: [32, 12], granularity: .perBlock(axis: 0, blockSize: 8), channelAxis: 1),
        Layout(shape: [32, 12], granularity: .perBlock(axis: 0, blockSize: 5), channelAxis: 1),
        Layout(shape: [12, 33], granularity: .perBlock(axis: 1, blockSize: 16), channelAxis: 0),
        Layout(shape: [2, 8, 6], granularity: .perBlock(axis: 1, blockSize: 4), channelAxis: 2),
    ]

    static func scheme(_ format: QuantFormat, symmetric: Bool) -> QuantScheme {
        QuantScheme.onnxRuntime(format: format, symmetric: symmetric)
    }

    @Test func matchesOnnxReferenceAndOnnxRuntime() throws {
        var cases: [Case] = []
        var quantized: [QuantizedWeight] = []
        var weights: [Tensor] = []
        for (layoutIndex, layout) in Self.layouts.enumerated() {
            for format in QuantFormat.qdqFormats {
                for symmetric in format.isFloat8 ? [true] : [false, true] {
                    let values = Self.weight(
                        shape: layout.shape, channelAxis: layout.channelAxis,
                        seed: UInt64(layoutIndex * 100 + cases.count))
                    let tensor = Tensor.floats(values, dims: layout.shape.map(Int64.init), name: "w\(cases.count)")
                    let result = try WeightQuantizer.quantize(
                        tensor, scheme: Self.scheme(format, symmetric: symmetric), granularity: layout.granularity)
                    weights.append(tensor)
                    quantized.append(result)
                    cases.append(
                        Case(
                            format: format.rawValue, shape: layout.shape,
                            weight: values.withUnsafeBytes { Data($0) }.base64EncodedString(), axis: result.axis,
                            blockSize: result.blockSize, parameterShape: result.params.parameterShape,
                            scales: result.params.scales.map(\.bitPattern), zeroPoints: result.params.zeroPoints,
                            symmetric: symmetric,
                            compareOnnxRuntime: !format.isFloat8
                                && (layout.granularity.blockSize == nil || layout.shape.count == 2)))
                }
            }
        }
        let answers = try PythonOracle.run(Self.script, input: cases, as: [Answer].self)
        try #require(answers.count == cases.count)
        var parameterDifferences: [String] = []
        for (testCase, (answer, (result, weight))) in zip(cases, zip(answers, zip(quantized, weights))) {
            let label =
                "\(testCase.format) \(testCase.shape) axis \(String(describing: testCase.axis)) "
                + "block \(String(describing: testCase.blockSize)) sym \(testCase.symmetric)"
            let ours = try result.weight.rawBytes()
            let reference = try #require(Data(base64Encoded: answer.quantized))
            #expect(ours == reference, "\(label): quantized bytes differ from onnx.reference")
            #expect(result.weight.dims == weight.dims && result.weight.dataType.name == testCase.format)
            let dequantized = try Dequantizer.dequantize(result.weight, params: result.params)
            let referenceDequantized = try #require(Data(base64Encoded: answer.dequantized))
            #expect(dequantized.withUnsafeBytes { Data($0) } == referenceDequantized, "\(label): dequantized differs")
            if let ortScales = answer.ortScales, let ortZeroPoints = answer.ortZeroPoints {
                let zeroPointsMatch =
                    ortZeroPoints == result.params.zeroPoints
                    || Self.onlyDegenerateMidpointsDiffer(ours: result.params, ortZeroPoints: ortZeroPoints)
                if ortScales != result.params.scales.map(\.bitPattern) || !zeroPointsMatch {
                    parameterDifferences.append(
                        "\(label): ours \(result.params.scales) \(result.params.zeroPoints), "
                            + "ORT \(ortScales.map(Float.init(bitPattern:))) \(ortZeroPoints)")
                }
            }
            let sqnr = try QuantizationMetrics.sqnr(weight: weight, quantized: result)
            #expect(sqnr > (result.params.format.bitWidth == 4 ? 5 : 15), "\(label): SQNR \(sqnr) dB")
        }
        #expect(
            parameterDifferences.isEmpty,
            "\(parameterDifferences.count) parameter sets differ from ONNX Runtime:\n\(parameterDifferences.prefix(8).joined(separator: "\n"))"
        )
    }

    /// Our documented deviation: a symmetric zero-width slice keeps the midpoint zero point where
    /// ONNX Runtime puts 0 (unsigned formats only).
    static func onlyDegenerateMidpointsDiffer(ours: QuantParamSet, ortZeroPoints: [Int]) -> Bool {
        guard ortZeroPoints.count == ours.zeroPoints.count else { return false }
        return zip(zip(ours.zeroPoints, ortZeroPoints), ours.scales).allSatisfy { pair, scale in
            pair.0 == pair.1 || (scale == QuantParams.degenerateRangeScale && pair.1 == 0 && !ours.format.isSigned)
        }
    }

    @Test func tiesRoundToEvenAndOutOfRangeSaturatesLikeTheReference() throws {
        var cases: [Case] = []
        var ours: [Data] = []
        // The reference converts x / scale to int32 before clipping, so quotients stay below 2^31 here;
        // `hugeValuesSaturate` covers the rest.
        let values = (-600...600).map { Float($0) * 0.25 } + [2e8, -2e8, 0.7499999, -0.7499999]
        for format in QuantFormat.qdqFormats {
            let range = format.integerRange()
            let zeroPoints =
                range.map { [0, $0.lowerBound, $0.upperBound, ($0.lowerBound + $0.upperBound) / 2] } ?? [0]
            for zeroPoint in Set(zeroPoints).sorted() {
                for scale in [Float(0.5), 0.1, 3] {
                    let params = try QuantParamSet(
                        format: format, granularity: .perTensor, tensorShape: [values.count], scales: [scale],
                        zeroPoints: [zeroPoint], tensor: "ties")
                    ours.append(try WeightQuantizer.quantizedData(values: values, params: params, tensor: "ties"))
                    cases.append(
                        Case(
                            format: format.rawValue, shape: [values.count],
                            weight: values.withUnsafeBytes { Data($0) }.base64EncodedString(), axis: nil,
                            blockSize: nil,
                            parameterShape: [], scales: [scale.bitPattern], zeroPoints: [zeroPoint], symmetric: false,
                            compareOnnxRuntime: false))
                }
            }
        }
        let answers = try PythonOracle.run(Self.script, input: cases, as: [Answer].self)
        for (testCase, (answer, data)) in zip(cases, zip(answers, ours)) {
            #expect(
                data == Data(base64Encoded: answer.quantized),
                "\(testCase.format) scale \(Float(bitPattern: testCase.scales[0])) zp \(testCase.zeroPoints[0])")
        }
    }

    @Test func hugeValuesSaturate() throws {
        let values: [Float] = [1e30, -1e30, .infinity, -.infinity, .greatestFiniteMagnitude]
        for format in QuantFormat.qdqFormats {
            let params = try QuantParamSet(
                format: format, granularity: .perTensor, tensorShape: [values.count], scales: [1e-30], zeroPoints: [0],
                tensor: "w")
            let data = try WeightQuantizer.quantizedData(values: values, params: params, tensor: "w")
            let restored = try Dequantizer.dequantize(data: data, params: params, tensor: "w")
            let top = Float(format.integerRange()?.upperBound ?? Int(format.float8Codec?.maxFinite ?? 0)) * 1e-30
            let bottom = Float(format.integerRange()?.lowerBound ?? -Int(format.float8Codec?.maxFinite ?? 0)) * 1e-30
            #expect(restored == [top, bottom, top, bottom, top], "\(format)")
        }
        let params = try QuantParamSet(
            format: .int8, granularity: .perTensor, tensorShape: [1], scales: [1], zeroPoints: [0], tensor: "w")
        #expect(throws: QuantizationError.self) {
            try WeightQuantizer.quantizedData(values: [.nan], params: params, tensor: "w")
        }
    }

    @Test func int4PacksLowNibbleFirst() throws {
        let params = try QuantParamSet(
            format: .int4, granularity: .perTensor, tensorShape: [3], scales: [1], zeroPoints: [0], tensor: "w")
        let data = try WeightQuantizer.quantizedData(values: [1, -2, 3], params: params, tensor: "w")
        #expect([UInt8](data) == [0xE1, 0x03])
        let unsigned = try QuantParamSet(
            format: .uint4, granularity: .perChannel(axis: 0), tensorShape: [2, 1], scales: [1, 1],
            zeroPoints: [3, 12],
            tensor: "w")
        #expect(try [UInt8](unsigned.zeroPointTensor(name: "zp").rawBytes()) == [0xC3])
        #expect(unsigned.zeroPointTensor(name: "zp").dims == [2])
    }

    @Test func allZeroChannelKeepsAValidScale() throws {
        let values: [Float] = [0, 0, 0, 1, -2, 0.5]
        let tensor = Tensor.floats(values, dims: [2, 3], name: "fc.weight")
        for format in QuantFormat.qdqFormats {
            for symmetric in [false, true] {
                let result = try WeightQuantizer.quantize(
                    tensor, scheme: QuantScheme(format: format, symmetric: symmetric), granularity: .perChannel(axis: 0)
                )
                #expect(result.params.scales[0] == QuantParams.degenerateRangeScale)
                #expect(result.params.scales.allSatisfy { $0.isNormal && $0 > 0 })
                let restored = try Dequantizer.dequantize(result.weight, params: result.params)
                #expect(Array(restored.prefix(3)) == [0, 0, 0])
                if symmetric, let range = format.integerRange() {
                    // Every channel shares one zero point, as per-channel integer kernels require.
                    #expect(Set(result.params.zeroPoints).count == 1, "\(format) \(range)")
                }
            }
        }
    }

    @Test func badWeightsAreErrorsNamingTheTensor() throws {
        let nan = Tensor.floats([1, .nan, 2], dims: [3], name: "conv.weight")
        do {
            _ = try WeightQuantizer.quantize(nan, scheme: .tensorRT(format: .int8), granularity: .perTensor)
            Issue.record("NaN weight accepted")
        } catch let error as QuantizationError {
            #expect(
                error == .nonFiniteValue(tensor: "conv.weight", index: 1, value: .nan)
                    || error.description.contains("'conv.weight'"))
            #expect(error.description.contains("element 1"))
        }
        let infinite = Tensor.floats([1, .infinity], dims: [2], name: "w")
        #expect(throws: QuantizationError.self) {
            try WeightQuantizer.quantize(infinite, scheme: .tensorRT(format: .int8), granularity: .perTensor)
        }
        let tensor = Tensor.floats([1, 2, 3, 4], dims: [2, 2], name: "w")
        #expect(throws: QuantizationError.invalidAxis(tensor: "w", axis: 2, rank: 2)) {
            try WeightQuantizer.quantize(tensor, scheme: .tensorRT(format: .int8), granularity: .perChannel(axis: 2))
        }
        #expect(throws: QuantizationError.invalidBlockSize(tensor: "w", blockSize: 0)) {
            try WeightQuantizer.quantize(
                tensor, scheme: .tensorRT(format: .int4), granularity: .perBlock(axis: 0, blockSize: 0))
        }
        let short = Tensor(name: "w", dataType: .float, dims: [3], storage: .raw(Data(count: 8)))
        #expect(throws: QuantizationError.self) {
            try WeightQuantizer.quantize(short, scheme: .tensorRT(format: .int8), granularity: .perTensor)
        }
        let half = Tensor(name: "w", dataType: .float16, dims: [2], storage: .raw(Data(count: 4)))
        #expect(throws: QuantizationError.unsupportedDataType(tensor: "w", dataType: .float16)) {
            try WeightQuantizer.quantize(half, scheme: .tensorRT(format: .int8), granularity: .perTensor)
        }
        let negative = Tensor(name: "w", dataType: .float, dims: [-1], storage: .raw(Data()))
        #expect(throws: QuantizationError.self) {
            try WeightQuantizer.quantize(negative, scheme: .tensorRT(format: .int8), granularity: .perTensor)
        }
    }

    @Test func producesTheInitializersADequantizeLinearReads() throws {
        let tensor = Tensor.floats((0..<24).map { Float($0) - 11.5 }, dims: [2, 12], name: "fc.weight")
        let result = try WeightQuantizer.quantize(
            tensor, scheme: .tensorRT(format: .int4), granularity: .perBlock(axis: 1, blockSize: 5))
        #expect(result.weight.name == "fc.weight_quantized")
        #expect(result.weight.dataType == .int4 && result.weight.dims == [2, 12])
        #expect(try result.weight.rawBytes().count == 12)
        #expect(
            result.scale.name == "fc.weight_scale" && result.scale.dataType == .float && result.scale.dims == [2, 3])
        #expect(result.zeroPoint.name == "fc.weight_zero_point" && result.zeroPoint.dataType == .int4)
        #expect(result.zeroPoint.dims == [2, 3] && result.params.zeroPointsAreZero)
        #expect(result.axis == 1 && result.blockSize == 5)
        let perTensor = try WeightQuantizer.quantize(tensor, scheme: .tensorRT(format: .int8), granularity: .perTensor)
        #expect(perTensor.scale.dims == [] && perTensor.zeroPoint.dims == [] && perTensor.axis == nil)
        let perChannel = try WeightQuantizer.quantize(
            tensor, scheme: .tensorRT(format: .int8), granularity: .perChannel(axis: -1))
        #expect(perChannel.scale.dims == [12] && perChannel.axis == 1)
    }

    @Test func sqnrIsInfiniteWhenExactAndFiniteOtherwise() throws {
        #expect(try QuantizationMetrics.sqnr(reference: [1, 2], approximation: [1, 2]) == .infinity)
        #expect(try QuantizationMetrics.sqnr(reference: [0, 0], approximation: [0, 0]) == .infinity)
        #expect(try QuantizationMetrics.sqnr(reference: [0, 0], approximation: [0, 1]) == -.infinity)
        let value = try QuantizationMetrics.sqnr(reference: [3, 4], approximation: [3, 3.5])
        #expect(abs(value - 10 * log10(25 / 0.25)) < 1e-12)
        #expect(throws: QuantizationError.self) { try QuantizationMetrics.sqnr(reference: [1], approximation: []) }
    }
}
