import Foundation
import OnnxIR
import Quantization
import SeededRandom
import Testing

/// Int32 bias quantization checked against ONNX Runtime's `quantize_bias_static_impl` arithmetic and its
/// `_adjust_weight_scale_for_int32_bias`.
@Suite struct BiasQuantizationTests {
    struct Case: Codable {
        var bias: [UInt32]
        var inputScale: UInt32
        var weightScales: [UInt32]
    }

    struct Answer: Codable {
        var quantized: [Int32]
        var scales: [UInt32]
        var clipped: [Int]
        var adjustedScales: [UInt32]
    }

    static let script = """
        import json, sys, warnings
        import numpy as np
        from onnx import numpy_helper
        from onnxruntime.quantization.qdq_quantizer import QDQQuantizer
        warnings.simplefilter("ignore")
        def f32(bits):
            return np.array(bits, dtype=np.uint32).view(np.float32)
        answers = []
        for case in json.load(open(sys.argv[1])):
            bias = f32(case["bias"])
            input_scale = f32([case["inputScale"]]).reshape(())
            per_channel = len(case["weightScales"]) > 1
            weight_scale = f32(case["weightScales"])
            if not per_channel:
                weight_scale = weight_scale.reshape(())
            # quantize_bias_static_impl, float32 bias, beta 1.0
            bias_scale = input_scale * weight_scale * 1.0
            q = (np.asarray(bias, dtype=np.float64) / np.asarray(bias_scale, dtype=np.float64)).round()
            low, high = np.float64(np.iinfo(np.int32).min), np.float64(np.iinfo(np.int32).max)
            clipped = np.nonzero((q < low) | (q > high))[0].tolist()
            q = np.clip(q, low, high).astype(np.int32)
            _, adjusted = QDQQuantizer._adjust_weight_scale_for_int32_bias(
                None, input_scale, weight_scale.copy(), "w", numpy_helper.from_array(bias, "b"), per_channel)
            answers.append({
                "quantized": q.tolist(),
                "scales": np.asarray(bias_scale, dtype=np.float32).reshape(-1).view(np.uint32).tolist(),
                "clipped": clipped,
                "adjustedScales": np.asarray(adjusted, dtype=np.float32).reshape(-1).view(np.uint32).tolist(),
            })
        json.dump(answers, open(sys.argv[2], "w"))
        """

    static func cases() -> [Case] {
        var generator = SplitMix64(seed: 21)
        func power(_ range: ClosedRange<Double>) -> Float {
            Float(pow(10, Double.random(in: range, using: &generator)))
        }
        var cases: [Case] = []
        for index in 0..<120 {
            let channels = index % 3 == 0 ? 1 : 6
            let biasMagnitude = power(-3...4)
            var bias = (0..<6).map { _ in generator.normal() * biasMagnitude }
            if index % 5 == 0 { bias[2] = 0 }
            if index % 7 == 0 { bias = bias.map { $0 * 0 } }
            let inputScale = power(-5...0)
            let weightScales = (0..<channels).map { _ in power(-7...(-1)) }
            cases.append(
                Case(
                    bias: bias.map(\.bitPattern), inputScale: inputScale.bitPattern,
                    weightScales: weightScales.map(\.bitPattern)))
        }
        // Exact ties of the quotient.
        cases.append(
            Case(
                bias: [Float](arrayLiteral: 0.5, 1.5, 2.5, -0.5, -1.5).map(\.bitPattern),
                inputScale: Float(1).bitPattern,
                weightScales: [Float(1).bitPattern]))
        return cases
    }

    @Test func matchesOnnxRuntime() throws {
        let cases = Self.cases()
        let answers = try PythonOracle.run(Self.script, input: cases, as: [Answer].self)
        try #require(answers.count == cases.count)
        var sawOverflow = false
        var sawAdjustment = false
        for (index, (testCase, answer)) in zip(cases, answers).enumerated() {
            let bias = testCase.bias.map(Float.init(bitPattern:))
            let inputScale = Float(bitPattern: testCase.inputScale)
            let weightScales = testCase.weightScales.map(Float.init(bitPattern:))
            let tensor = Tensor.floats(bias, dims: [Int64(bias.count)], name: "conv\(index).bias")
            let result = try BiasQuantizer.quantize(tensor, inputScale: inputScale, weightScales: weightScales)
            let quantized = try result.bias.rawBytes().withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
            #expect(quantized == answer.quantized, "case \(index)")
            #expect(result.scales.map(\.bitPattern) == answer.scales, "case \(index)")
            #expect(result.clippedIndices == answer.clipped, "case \(index)")
            sawOverflow = sawOverflow || result.overflowed
            let adjusted = try BiasQuantizer.weightScalesAdjustedForInt32Bias(
                inputScale: inputScale, weightScales: weightScales, bias: bias, tensor: "w")
            #expect(adjusted.map(\.bitPattern) == answer.adjustedScales, "case \(index): adjusted \(adjusted)")
            sawAdjustment = sawAdjustment || adjusted != weightScales
            // After the adjustment, the bias fits.
            let refit = try BiasQuantizer.quantize(
                tensor, inputScale: inputScale, weightScales: adjusted, overflow: .fail)
            #expect(!refit.overflowed)
        }
        #expect(sawOverflow && sawAdjustment)
    }

    @Test func shapesNamesAndGroupedConvTranspose() throws {
        let bias = Tensor.floats([1, 2, 3, 4, 5, 6], dims: [6], name: "deconv.bias")
        // Grouped ConvTranspose: 3 weight scales serve 6 output channels cyclically.
        let result = try BiasQuantizer.quantize(bias, inputScale: 0.5, weightScales: [1, 2, 4])
        #expect(result.scales == [0.5, 1, 2, 0.5, 1, 2])
        #expect(
            try result.bias.rawBytes().withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) } == [2, 2, 2, 8, 5, 3])
        #expect(result.bias.name == "deconv.bias_quantized" && result.bias.dataType == .int32)
        #expect(result.scale.dims == [6] && result.zeroPoint.dims == [6] && result.zeroPoint.dataType == .int32)
        #expect(try result.zeroPoint.rawBytes() == Data(count: 24))
        #expect(result.axis == 0)
        let perTensor = try BiasQuantizer.quantize(bias, inputScale: 0.5, weightScales: [0.25])
        #expect(perTensor.scale.dims == [] && perTensor.zeroPoint.dims == [] && perTensor.axis == nil)
        let gemmBias = Tensor.floats([1, 2, 3, 4], dims: [1, 4], name: "fc.bias")
        let gemm = try BiasQuantizer.quantize(gemmBias, inputScale: 1, weightScales: [1, 1, 1, 1])
        #expect(gemm.axis == 1 && gemm.scale.dims == [4])
    }

    @Test func overflowIsReportedOrRefused() throws {
        let bias = Tensor.floats([1, 1e6, -1e6], dims: [3], name: "conv.bias")
        let clipped = try BiasQuantizer.quantize(bias, inputScale: 1e-2, weightScales: [1e-6])
        #expect(clipped.clippedIndices == [1, 2])
        let first = Int32((1 / Double(Float(1e-2) * Float(1e-6))).rounded(.toNearestOrEven))
        #expect(
            try clipped.bias.rawBytes().withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
                == [first, Int32.max, Int32.min])
        do {
            _ = try BiasQuantizer.quantize(bias, inputScale: 1e-2, weightScales: [1e-6], overflow: .fail)
            Issue.record("overflow accepted")
        } catch let error as QuantizationError {
            #expect(error == .biasOverflow(tensor: "conv.bias", count: 2, firstIndex: 1, value: 1e6))
            #expect(error.description.contains("'conv.bias'"))
        }
    }

    @Test func invalidInputsAreErrors() {
        let bias = Tensor.floats([1, .nan], dims: [2], name: "b")
        #expect(throws: QuantizationError.self) { try BiasQuantizer.quantize(bias, inputScale: 1, weightScales: [1]) }
        let finite = Tensor.floats([1, 2], dims: [2], name: "b")
        #expect(throws: QuantizationError.self) { try BiasQuantizer.quantize(finite, inputScale: 0, weightScales: [1]) }
        #expect(throws: QuantizationError.self) {
            try BiasQuantizer.quantize(finite, inputScale: 1, weightScales: [1, 1, 1])
        }
        // Two tiny normal scales whose product is subnormal.
        #expect(throws: QuantizationError.self) {
            try BiasQuantizer.quantize(finite, inputScale: 1e-20, weightScales: [1e-20])
        }
    }
}
