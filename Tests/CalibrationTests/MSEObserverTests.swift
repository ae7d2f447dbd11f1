import Calibration
import Foundation
import Quantization
import SeededRandom
import Testing

/// The MSE method, judged by the error its range actually gives on the raw values.
@Suite struct MSEObserverTests {
    /// The smallest error over 200 evenly spaced ranges, computed on the raw values.
    private func bruteForce(_ values: [Float], _ scheme: QuantScheme) throws -> Double {
        let low = min(values.min() ?? 0, 0)
        let high = max(values.max() ?? 0, 0)
        let magnitude = max(-low, high)
        return try (1...200).map { step -> Double in
            let fraction = Float(step) / 200
            let range =
                scheme.symmetric
                ? CalibrationRange(min: -magnitude * fraction, max: magnitude * fraction)
                : CalibrationRange(min: low * fraction, max: high * fraction)
            return try RoundTripError.meanSquared(values, range, scheme)
        }.min() ?? .infinity
    }

    private func gaussian(seed: UInt64, count: Int = 20000) -> [Float] {
        var generator = SplitMix64(seed: seed)
        return generator.normals(count)
    }

    @Test(arguments: [
        QuantScheme(format: .int8, symmetric: true), QuantScheme(format: .int8, symmetric: false),
        QuantScheme(format: .uint8, symmetric: false), QuantScheme(format: .int16, symmetric: true),
        QuantScheme(format: .float8e4m3fn, symmetric: true), .onnxRuntime(format: .int8, symmetric: true),
        .tensorRT(format: .int4), QuantScheme(format: .float8e5m2, symmetric: true),
    ])
    func chosenRangeIsAsGoodAsABruteForceSearch(scheme: QuantScheme) throws {
        var values = gaussian(seed: 41) + [25, -18, 40]
        if !scheme.format.isSigned { values = values.map { max($0, 0) } }
        let result = try Feed.result(.mse(MSEOptions(scheme: scheme, candidates: 256)), [values])
        let ours = try RoundTripError.meanSquared(values, result.range, scheme)
        let best = try bruteForce(values, scheme)
        #expect(ours <= best * 1.02, "\(scheme): ours \(ours) at \(result.range), brute force \(best)")
        let full = try RoundTripError.meanSquared(values, result.observed, scheme)
        #expect(ours <= full)
        let reported = try #require(result.meanSquaredError)
        #expect(abs(reported - ours) <= max(ours * 0.2, 1e-12), "\(scheme): histogram estimate \(reported) vs \(ours)")
    }

    @Test func aConstantRangeQuantizesItsValueExactly() throws {
        // [3, 3] widens to [0, 3], where 3 is the last code.
        let range = CalibrationRange(min: 3, max: 3)
        #expect(try RoundTripError.meanSquared([3, 3], range, QuantScheme(format: .uint8, symmetric: false)) == 0)
    }

    @Test func heavyTailsAreClippedForInt8() throws {
        // A laplacian's thin tail costs less clipped than spread over the int8 codes (ACIQ puts the
        // optimum near 9.9 times the scale for 8 bits); a few huge outliers, on the contrary, would
        // cost more clipped than kept, so MSE keeps them.
        var generator = SplitMix64(seed: 42)
        let values: [Float] = (0..<100_000).map { _ in
            let u = Double.random(in: -0.5..<0.5, using: &generator)
            return Float((u < 0 ? 1 : -1) * log(1 - 2 * abs(u)))
        }
        let result = try Feed.result(.mse(MSEOptions()), [values])
        #expect(
            result.range.max < result.observed.max * 0.95 && result.range.max > 6,
            "\(result.range) of \(result.observed)")
        #expect(result.range.min == max(-result.range.max, result.observed.min))
    }

    @Test func reluDataKeepsZeroAsTheLowerEndForUint8() throws {
        let values = gaussian(seed: 43).map { max($0, 0) }
        let result = try Feed.result(.mse(MSEOptions(scheme: QuantScheme(format: .uint8, symmetric: false))), [values])
        #expect(result.range.min == 0)
        #expect(result.range.max > 0)
    }

    @Test func candidateCountMustBePositive() {
        #expect(throws: CalibrationError.self) { try MSEObserver(options: MSEOptions(candidates: 0)) }
    }
}
