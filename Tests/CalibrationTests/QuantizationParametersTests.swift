import Foundation
import Testing

@testable import Calibration

/// Scales and zero points against ONNX Runtime's compute_scale_zp, and float8 rounding against ml_dtypes.
@Suite struct QuantizationParametersTests {
    private let ranges: [(Float, Float)] = [
        (-1, 1), (0, 6), (-3.5, 0.25), (2, 5), (-7, -2), (0, 0), (3, 3), (-0x1p-133, 0x1p-133), (-1e-30, 2e-30),
        (-123.456, 0.001), (0, 1e-38),
    ]

    private let integerFormats: [QuantizationFormat] = [
        .int8Symmetric, .int8Asymmetric, .uint8Symmetric, .uint8Asymmetric, .int16Symmetric, .int16Asymmetric,
    ]

    @Test func matchOnnxRuntime() throws {
        var cases: [String] = []
        for (low, high) in ranges {
            for format in integerFormats {
                let bounds = try #require(format.integerBounds)
                cases.append("[\(low), \(high), \(bounds.min), \(bounds.max), \(format.isSymmetric)]")
            }
        }
        // Swift prints the shortest text that reads back to the same float, which Python's json reads exactly.
        let input = "[" + cases.joined(separator: ", ") + "]"
        let output = try PythonRunner.run(
            """
            import json, sys, numpy as np
            from onnxruntime.quantization.quant_utils import compute_scale_zp
            out = []
            for low, high, qmin, qmax, symmetric in json.loads(sys.argv[1]):
                zp, scale = compute_scale_zp(np.array(low, dtype=np.float32), np.array(high, dtype=np.float32),
                                             np.array(qmin, dtype=np.int32), np.array(qmax, dtype=np.int32), symmetric)
                out.append([float(scale), int(zp)])
            print(json.dumps(out))
            """, [input])
        let reference = try #require(try ExactJSON.object(output) as? [[Double]])
        var index = 0
        for (low, high) in ranges {
            for format in integerFormats {
                let ours = try QuantizationParameters(range: CalibrationRange(min: low, max: high), format: format)
                let theirs = reference[index]
                index += 1
                #expect(ours.scale == Float(theirs[0]), "[\(low), \(high)] \(format)")
                #expect(ours.zeroPoint == Int(theirs[1]), "[\(low), \(high)] \(format)")
                #expect(ours.scale.isNormal && ours.scale > 0)
            }
        }
    }

    @Test func zeroWidthAndSubnormalRangesGetScaleOne() throws {
        for range in [CalibrationRange.zero, CalibrationRange(min: 0, max: 0x1p-140)] {
            for format in QuantizationFormat.allCases {
                #expect(
                    try QuantizationParameters(range: range, format: format)
                        == QuantizationParameters(scale: 1, zeroPoint: 0))
            }
        }
    }

    @Test func constantNonZeroTensorsGetAUsableScale() throws {
        let parameters = try QuantizationParameters(range: CalibrationRange(min: 3, max: 3), format: .uint8Asymmetric)
        #expect(parameters.scale == Float(3.0 / 255))
        #expect(parameters.zeroPoint == 0)
        #expect(abs(parameters.fakeQuantize(3, format: .uint8Asymmetric) - 3) < 1e-6)
    }

    @Test func float8UsesTheRangesMagnitudeOver448() throws {
        let parameters = try QuantizationParameters(range: CalibrationRange(min: -2, max: 8.96), format: .float8E4M3FN)
        #expect(parameters.scale == Float(8.96) / 448)
        #expect(parameters.zeroPoint == 0)
    }

    @Test func nonFiniteRangesAreAnError() {
        #expect(throws: CalibrationError.self) {
            try QuantizationParameters(range: CalibrationRange(min: -.infinity, max: 1), format: .int8Symmetric)
        }
        #expect(throws: CalibrationError.self) {
            try QuantizationParameters(range: CalibrationRange(min: .nan, max: 1), format: .float8E4M3FN)
        }
    }

    @Test func float8RoundingMatchesMlDtypes() throws {
        var generator = SeededGenerator(seed: 51)
        var values: [Double] = (0..<3000).map { _ in
            Double(generator.normal()) * pow(2, Double(Int.random(in: -12...9, using: &generator)))
        }
        // Every finite code, and the midpoints between neighbours (ties go to even).
        let codes = (0...255).map { Float8E4M3FN.value(bits: UInt8($0)) }.filter { $0.isFinite }.sorted()
        values += codes
        values += zip(codes, codes.dropFirst()).map { ($0 + $1) / 2 }
        values += [500, -1000, 448, 464, 463.9]
        let input = "[" + values.map { "\($0)" }.joined(separator: ", ") + "]"
        let output = try PythonRunner.run(
            """
            import json, sys, numpy as np, ml_dtypes
            v = np.array(json.loads(sys.argv[1]), dtype=np.float64)
            # ml_dtypes converts out-of-range values to NaN; QuantizeLinear(saturate=1) clamps first.
            r = np.clip(v, -448, 448).astype(ml_dtypes.float8_e4m3fn).astype(np.float64)
            print(json.dumps(r.tolist()))
            """, [input])
        let reference = try #require(try ExactJSON.object(output) as? [Double])
        #expect(codes.count == 254)
        for (value, expected) in zip(values, reference) {
            #expect(Float8E4M3FN.rounded(value) == expected, "\(value)")
        }
    }
}
