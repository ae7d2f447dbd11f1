import Calibration
import Foundation
import Testing

/// The MSE method, judged by the error its range actually gives on the raw values.
@Suite struct MSEObserverTests {
    /// The mean squared error of quantizing `values` to `format` with `range`.
    private func error(_ values: [Float], _ range: CalibrationRange, _ format: QuantizationFormat) throws -> Double {
        let parameters = try QuantizationParameters(range: range, format: format)
        let total = values.reduce(0.0) { sum, value in
            let difference = Double(value) - parameters.fakeQuantize(Double(value), format: format)
            return sum + difference * difference
        }
        return total / Double(values.count)
    }

    /// The smallest error over 200 evenly spaced ranges, computed on the raw values.
    private func bruteForce(_ values: [Float], _ format: QuantizationFormat) throws -> Double {
        let low = min(values.min() ?? 0, 0)
        let high = max(values.max() ?? 0, 0)
        let magnitude = max(-low, high)
        return try (1...200).map { step -> Double in
            let fraction = Float(step) / 200
            let range =
                format.isSymmetric
                ? CalibrationRange(min: -magnitude * fraction, max: magnitude * fraction)
                : CalibrationRange(min: low * fraction, max: high * fraction)
            return try error(values, range, format)
        }.min() ?? .infinity
    }

    private func gaussian(seed: UInt64, count: Int = 20000) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return generator.normals(count)
    }

    @Test(arguments: [
        QuantizationFormat.int8Symmetric, .int8Asymmetric, .uint8Asymmetric, .int16Symmetric, .float8E4M3FN,
    ])
    func chosenRangeIsAsGoodAsABruteForceSearch(format: QuantizationFormat) throws {
        var values = gaussian(seed: 41) + [25, -18, 40]
        if format == .uint8Asymmetric { values = values.map { max($0, 0) } }
        let result = try Feed.result(.mse(MSEOptions(format: format, candidates: 256)), [values])
        let ours = try error(values, result.range, format)
        let best = try bruteForce(values, format)
        #expect(ours <= best * 1.02, "\(format): ours \(ours) at \(result.range), brute force \(best)")
        let full = try error(values, result.observed, format)
        #expect(ours <= full)
        let reported = try #require(result.meanSquaredError)
        #expect(abs(reported - ours) <= max(ours * 0.2, 1e-12), "\(format): histogram estimate \(reported) vs \(ours)")
    }

    @Test func heavyTailsAreClippedForInt8() throws {
        // A laplacian's thin tail costs less clipped than spread over the int8 codes (ACIQ puts the
        // optimum near 9.9 times the scale for 8 bits); a few huge outliers, on the contrary, would
        // cost more clipped than kept, so MSE keeps them.
        var generator = SeededGenerator(seed: 42)
        let values: [Float] = (0..<100_000).map { _ in
            let u = Double.random(in: -0.5..<0.5, using: &generator)
            return Float((u < 0 ? 1 : -1) * log(1 - 2 * abs(u)))
        }
        let result = try Feed.result(.mse(MSEOptions(format: .int8Symmetric)), [values])
        #expect(
            result.range.max < result.observed.max * 0.95 && result.range.max > 6,
            "\(result.range) of \(result.observed)")
        #expect(result.range.min == max(-result.range.max, result.observed.min))
    }

    @Test func reluDataKeepsZeroAsTheLowerEndForUint8() throws {
        let values = gaussian(seed: 43).map { max($0, 0) }
        let result = try Feed.result(.mse(MSEOptions(format: .uint8Asymmetric)), [values])
        #expect(result.range.min == 0)
        #expect(result.range.max > 0)
    }

    @Test func candidateCountMustBePositive() {
        #expect(throws: CalibrationError.self) { try MSEObserver(options: MSEOptions(candidates: 0)) }
    }
}
