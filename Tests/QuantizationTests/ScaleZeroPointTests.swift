import Foundation
import Quantization
import SeededRandom
import Testing

/// Scales and zero points from ranges, checked bit for bit against ONNX Runtime's `compute_scale_zp`.
@Suite struct ScaleZeroPointTests {
    struct RangeCase: Codable {
        var rmin: UInt32
        var rmax: UInt32
        var format: String
        var symmetric: Bool
        var reduceRange: Bool
        var minRealRange: UInt32?
    }

    struct RangeAnswer: Codable {
        var scale: UInt32
        var zeroPoint: Int
    }

    static let computeScaleZeroPoint = """
        import json, sys, warnings
        import numpy as np
        from onnx import TensorProto
        from onnxruntime.quantization.quant_utils import compute_scale_zp, get_qmin_qmax_for_qType
        warnings.simplefilter("ignore")
        def f32(bits):
            return np.array([bits], dtype=np.uint32).view(np.float32)[0]
        answers = []
        for case in json.load(open(sys.argv[1])):
            qtype = getattr(TensorProto, case["format"].upper())
            qmin, qmax = get_qmin_qmax_for_qType(qtype, reduce_range=case["reduceRange"], symmetric=case["symmetric"])
            mrr = case.get("minRealRange")
            zp, scale = compute_scale_zp(
                np.array(f32(case["rmin"])), np.array(f32(case["rmax"])), qmin, qmax, case["symmetric"],
                None if mrr is None else float(f32(mrr)))
            answers.append({"scale": int(np.asarray(scale, dtype=np.float32).view(np.uint32)), "zeroPoint": int(zp)})
        json.dump(answers, open(sys.argv[2], "w"))
        """

    static let integerFormats: [QuantFormat] = [.int8, .uint8, .int16, .uint16, .int4, .uint4]

    /// Ranges that exercise every branch: typical, one-sided, zero-width, tiny, subnormal, huge, inverted.
    static func ranges() -> [(Float, Float)] {
        var generator = SplitMix64(seed: 5)
        var ranges: [(Float, Float)] = [
            (0, 0), (-0.0, 0), (5, 5), (-3, -3), (-2.3, 6.1), (0, 1), (-1, 0), (-1, 1), (0.1, 0.2),
            (Float.leastNonzeroMagnitude, Float.leastNonzeroMagnitude),
            (-Float.leastNormalMagnitude / 128, Float.leastNormalMagnitude / 64),
            (0, Float.leastNormalMagnitude), (-1e-36, 1e-36), (0, 1e-36), (-3e-36, 2e-36),
            (-Float.greatestFiniteMagnitude, Float.greatestFiniteMagnitude), (0, Float.greatestFiniteMagnitude),
            (-Float.greatestFiniteMagnitude, 0), (3e38, 3e38), (4, -4), (-0.5, -0.25), (-1e30, 1e-30),
        ]
        for _ in 0..<150 {
            let exponent = Float.random(in: -39...38, using: &generator)
            let magnitude = Float(pow(10, Double(exponent)))
            let first = magnitude * Float.random(in: -1...1, using: &generator)
            let second = magnitude * Float.random(in: -1...1, using: &generator)
            ranges.append((min(first, second), max(first, second)))
        }
        for _ in 0..<100 {
            ranges.append((Float.random(in: -10...0, using: &generator), Float.random(in: 0...10, using: &generator)))
        }
        return ranges
    }

    @Test func matchesOnnxRuntimeBitForBit() throws {
        let minRealRanges: [Float?] = [nil, 0.0001, 1.5]
        var cases: [RangeCase] = []
        for (rmin, rmax) in Self.ranges() {
            for format in Self.integerFormats {
                for symmetric in [false, true] {
                    for reduceRange in [false, true] {
                        cases.append(
                            RangeCase(
                                rmin: rmin.bitPattern, rmax: rmax.bitPattern, format: format.rawValue,
                                symmetric: symmetric, reduceRange: reduceRange, minRealRange: nil))
                    }
                }
            }
        }
        for (rmin, rmax) in Self.ranges().prefix(60) {
            for minRealRange in minRealRanges.compactMap({ $0 }) {
                for symmetric in [false, true] {
                    cases.append(
                        RangeCase(
                            rmin: rmin.bitPattern, rmax: rmax.bitPattern, format: "uint8", symmetric: symmetric,
                            reduceRange: false, minRealRange: minRealRange.bitPattern))
                }
            }
        }
        let answers = try PythonOracle.run(Self.computeScaleZeroPoint, input: cases, as: [RangeAnswer].self)
        try #require(answers.count == cases.count)
        var mismatches: [String] = []
        var midpointDeviations = 0
        var overflowDeviations = 0
        for (index, (testCase, answer)) in zip(cases, answers).enumerated() {
            let format = try #require(QuantFormat(rawValue: testCase.format))
            let scheme = QuantScheme.onnxRuntime(
                format: format, symmetric: testCase.symmetric, reduceRange: testCase.reduceRange,
                minRealRange: testCase.minRealRange.map(Float.init(bitPattern:)))
            let ours = try scheme.params(
                rmin: Float(bitPattern: testCase.rmin), rmax: Float(bitPattern: testCase.rmax), tensor: "t\(index)")
            var expectedZeroPoint = answer.zeroPoint
            // Documented deviation: a degenerate symmetric range keeps the midpoint zero point.
            if ours.scale == QuantParams.degenerateRangeScale, answer.scale == Float(1).bitPattern, testCase.symmetric,
                let range = scheme.integerRange, answer.zeroPoint == 0
            {
                let midpoint = Int((Double(range.lowerBound + range.upperBound) / 2).rounded(.toNearestOrEven))
                if midpoint != 0 { midpointDeviations += 1 }
                expectedZeroPoint = midpoint
            }
            // Documented deviation: a scale whose range ends dequantize to ±inf is capped to the largest
            // scale whose ends stay finite.
            let ortScale = Float(bitPattern: answer.scale)
            if let range = scheme.integerRange, answer.zeroPoint == ours.zeroPoint,
                !Self.endsAreFinite(scale: ortScale, zeroPoint: answer.zeroPoint, range: range)
            {
                #expect(ours.scale < ortScale)
                #expect(Self.endsAreFinite(scale: ours.scale, zeroPoint: ours.zeroPoint, range: range))
                #expect(!Self.endsAreFinite(scale: ours.scale.nextUp, zeroPoint: ours.zeroPoint, range: range))
                overflowDeviations += 1
                continue
            }
            if ours.scale.bitPattern != answer.scale || ours.zeroPoint != expectedZeroPoint {
                mismatches.append(
                    "\(testCase): ours scale \(ours.scale) zp \(ours.zeroPoint), ORT scale "
                        + "\(Float(bitPattern: answer.scale)) zp \(answer.zeroPoint)")
            }
        }
        #expect(
            mismatches.isEmpty,
            "\(mismatches.count) of \(cases.count) differ:\n\(mismatches.prefix(10).joined(separator: "\n"))")
        // The deviation is real (unsigned symmetric zero-width ranges) and covered by the cases above.
        #expect(midpointDeviations > 0)
        #expect(overflowDeviations > 0)
    }

    static func endsAreFinite(scale: Float, zeroPoint: Int, range: ClosedRange<Int>) -> Bool {
        ((Float(range.lowerBound) - Float(zeroPoint)) * scale).isFinite
            && ((Float(range.upperBound) - Float(zeroPoint)) * scale).isFinite
    }

    @Test func float8StandardDeviationScaleMatchesOnnxRuntime() throws {
        struct Answer: Codable { var scales: [UInt32] }
        let script = """
            import json, sys
            import numpy as np
            from onnx import TensorProto
            from onnxruntime.quantization.quant_utils import compute_scale_zp_float8
            stds = np.array(json.load(open(sys.argv[1])), dtype=np.uint32).view(np.float32)
            scales = [int(np.asarray(compute_scale_zp_float8(TensorProto.FLOAT8E4M3FN, s)[1], dtype=np.float32)
                          .view(np.uint32)) for s in stds]
            json.dump({"scales": scales}, open(sys.argv[2], "w"))
            """
        var generator = SplitMix64(seed: 8)
        let stds: [Float] =
            [1, 0.5, 100.057724, 3e-3, 1e30]
            + (0..<200).map { _ in
                Float(pow(10, Double.random(in: -30...30, using: &generator)))
            }
        let answer = try PythonOracle.run(script, input: stds.map(\.bitPattern), as: Answer.self)
        for (std, expected) in zip(stds, answer.scales) {
            let ours = try QuantParams.float8(standardDeviation: std, format: .float8e4m3fn, tensor: "w")
            #expect(
                ours.scale.bitPattern == expected, "std \(std): ours \(ours.scale), ORT \(Float(bitPattern: expected))")
            #expect(ours.zeroPoint == 0)
        }
    }

    @Test func float8ScaleIsAmaxOverMaxFinite() throws {
        let e4m3 = try QuantScheme.tensorRT(format: .float8e4m3fn).params(rmin: -3, rmax: 8.96, tensor: "x")
        #expect(e4m3.scale == Float(8.96) / 448)
        #expect(e4m3.zeroPoint == 0)
        let e5m2 = try QuantScheme.tensorRT(format: .float8e5m2).params(rmin: -57344, rmax: 1, tensor: "x")
        #expect(e5m2.scale == 1)
        let zero = try QuantScheme.tensorRT(format: .float8e4m3fn).params(rmin: 0, rmax: 0, tensor: "x")
        #expect(zero.scale == QuantParams.degenerateRangeScale)
    }

    @Test func tensorRTInt8ScaleIsAmaxOver127() throws {
        var generator = SplitMix64(seed: 11)
        for _ in 0..<1000 {
            let amax = Float(pow(10, Double.random(in: -30...30, using: &generator)))
            let params = try QuantScheme.tensorRT(format: .int8).params(rmin: -amax / 3, rmax: amax, tensor: "x")
            #expect(params.scale == amax / 127)
            #expect(params.zeroPoint == 0)
            let int4 = try QuantScheme.tensorRT(format: .int4).params(rmin: -amax, rmax: 0, tensor: "x")
            #expect(int4.scale == amax / 7)
        }
    }

    @Test func nonFiniteRangesAreErrorsNamingTheTensor() {
        for (rmin, rmax) in [(Float.nan, 1), (0, Float.nan), (-Float.infinity, 1), (0, Float.infinity)] {
            for format in QuantFormat.qdqFormats {
                do {
                    _ = try QuantScheme(format: format, symmetric: false).params(
                        rmin: rmin, rmax: rmax, tensor: "conv1.out")
                    Issue.record("\(format) [\(rmin), \(rmax)] was accepted")
                } catch let error as QuantizationError {
                    guard case .nonFiniteRange(let tensor, _, _) = error else {
                        Issue.record("unexpected error \(error)")
                        continue
                    }
                    #expect(tensor == "conv1.out")
                    #expect(error.description.contains("'conv1.out'"))
                } catch {
                    Issue.record("unexpected error \(error)")
                }
            }
        }
    }

    @Test func everyScaleIsAPositiveNormalFloatAndRangeEndsRoundTrip() throws {
        for (rmin, rmax) in Self.ranges() {
            for format in QuantFormat.qdqFormats {
                for symmetric in [false, true] {
                    let scheme = QuantScheme(format: format, symmetric: symmetric, rangeKind: .restricted)
                    let params = try scheme.params(rmin: rmin, rmax: rmax, tensor: "x")
                    #expect(params.scale.isNormal && params.scale > 0, "\(format) [\(rmin), \(rmax)]")
                    // Each observed end dequantizes to within half a step of itself (or of the range's
                    // clamp for float8's relative precision).
                    let set = try QuantParamSet(
                        format: format, granularity: .perTensor, tensorShape: [2], scales: [params.scale],
                        zeroPoints: [params.zeroPoint], tensor: "x")
                    let data = try WeightQuantizer.quantizedData(values: [rmin, rmax], params: set, tensor: "x")
                    let back = try Dequantizer.dequantize(data: data, params: set, tensor: "x")
                    for (value, restored) in zip([rmin, rmax], back) {
                        let step = Double(params.scale)
                        // Half a step, plus float32 rounding; a symmetric unsigned range has one step less
                        // on its positive side than it needs (ONNX Runtime's midpoint zero point), so its top
                        // end may saturate a full step away.
                        let halfStep = symmetric && !format.isSigned ? step : step / 2
                        let rounding = 2 * Double(value.ulp) + step * 1e-4
                        let tolerance = format.isFloat8 ? Double(value.magnitude) / 8 + step : halfStep + rounding
                        if value.magnitude > Float.greatestFiniteMagnitude / 2 {
                            // Ends near float32's limit may saturate, but never dequantize to ±inf.
                            #expect(restored.isFinite)
                        } else if params.scale == QuantParams.degenerateRangeScale && Double(value.magnitude) < 1e-30 {
                            #expect(restored == 0)
                        } else if rmin <= rmax {
                            #expect(
                                abs(Double(value) - Double(restored)) <= tolerance,
                                "\(format) sym \(symmetric) [\(rmin), \(rmax)]: \(value) -> \(restored)")
                        }
                    }
                }
            }
        }
    }

    @Test func zeroWidthRangeGetsTheSafeScaleAndZeroIsExact() throws {
        for format in QuantFormat.qdqFormats {
            for symmetric in [false, true] {
                let params = try QuantScheme(format: format, symmetric: symmetric).params(rmin: 0, rmax: 0, tensor: "z")
                #expect(params.scale == 1)
                let set = try QuantParamSet(
                    format: format, granularity: .perTensor, tensorShape: [1], scales: [params.scale],
                    zeroPoints: [params.zeroPoint], tensor: "z")
                let data = try WeightQuantizer.quantizedData(values: [0], params: set, tensor: "z")
                #expect(try Dequantizer.dequantize(data: data, params: set, tensor: "z") == [0])
            }
        }
    }

    @Test func invalidParametersAreRefused() {
        #expect(throws: QuantizationError.self) {
            try QuantParams(format: .int8, scale: 0, zeroPoint: 0, tensor: "w")
        }
        #expect(throws: QuantizationError.self) {
            try QuantParams(format: .int8, scale: Float.leastNormalMagnitude / 2, zeroPoint: 0, tensor: "w")
        }
        #expect(throws: QuantizationError.self) {
            try QuantParams(format: .int8, scale: -1, zeroPoint: 0, tensor: "w")
        }
        #expect(throws: QuantizationError.self) {
            try QuantParams(format: .uint8, scale: 1, zeroPoint: 256, tensor: "w")
        }
        #expect(throws: QuantizationError.self) {
            try QuantParams(format: .float8e4m3fn, scale: 1, zeroPoint: 1, tensor: "w")
        }
        #expect(throws: QuantizationError.self) {
            try QuantParams.integer(
                rmin: -1, rmax: 1, format: .uint8, range: 1...255, symmetric: false, tensor: "w")
        }
        #expect(throws: QuantizationError.self) {
            try QuantParams.integer(
                rmin: -Float.greatestFiniteMagnitude, rmax: .greatestFiniteMagnitude, format: .uint8, range: 0...1,
                symmetric: false, tensor: "w")
        }
    }
}
