import Calibration
import SeededRandom
import Testing

/// The entropy method's own behaviour (its agreement with ONNX Runtime is in OnnxRuntimeCrossCheckTests).
@Suite struct EntropyObserverTests {
    private func gaussianWithOutliers() -> [Float] {
        var generator = SplitMix64(seed: 31)
        return generator.normals(50000) + [30, -25, 28]
    }

    @Test func clipsOutliersOfAGaussian() throws {
        let values = gaussianWithOutliers()
        for variant in EntropyVariant.allCases {
            for grid in EntropyGrid.allCases {
                var observer = try EntropyObserver(
                    options: EntropyOptions(variant: variant, grid: grid), knownAbsMax: 30)
                try Feed.batch(&observer, values)
                let result = try observer.result()
                #expect(result.range.max > 2 && result.range.max < 10, "\(variant) \(grid): \(result.range)")
                #expect(result.range.min < -2 && result.range.min > -10, "\(variant) \(grid): \(result.range)")
                #expect(result.klDivergence != nil)
                #expect(result.observed == CalibrationRange(min: -25, max: 30))
            }
        }
    }

    @Test func knownRangeNeedsTheMagnitude() {
        #expect(throws: CalibrationError.self) { try EntropyObserver(options: EntropyOptions(grid: .knownRange)) }
        #expect(throws: CalibrationError.self) {
            try EntropyObserver(options: EntropyOptions(grid: .knownRange), knownAbsMax: .nan)
        }
        #expect(ObserverConfiguration.entropy(EntropyOptions()).needsKnownRange)
        #expect(!ObserverConfiguration.entropy(EntropyOptions(grid: .streaming)).needsKnownRange)
    }

    @Test func streamingResultDoesNotDependOnBatching() throws {
        let values = gaussianWithOutliers()
        let whole = try Feed.result(.entropy(EntropyOptions(grid: .streaming)), [values])
        let pieces = stride(from: 0, to: values.count, by: 777).map { Array(values[$0..<min($0 + 777, values.count)]) }
        let split = try Feed.result(.entropy(EntropyOptions(grid: .streaming)), pieces.reversed())
        #expect(whole.range == split.range)
        #expect(whole.klDivergence == split.klDivergence)
    }

    @Test func quantizedBinsMustFitTheHistogram() {
        #expect(throws: CalibrationError.self) {
            try EntropyObserver(options: EntropyOptions(bins: 128, quantizedBins: 256, grid: .streaming))
        }
    }
}
