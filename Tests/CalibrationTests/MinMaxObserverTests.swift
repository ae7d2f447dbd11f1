import Calibration
import Testing

/// The min/max method and its averaging modes.
@Suite struct MinMaxObserverTests {
    private let batches: [[Float]] = [[1, -2, 3], [0.5, 4, -1], [-6, 2, 2]]

    @Test func extremesOverAllBatches() throws {
        let result = try Feed.result(.minMax(MinMaxOptions()), batches)
        #expect(result.range == CalibrationRange(min: -6, max: 4))
        #expect(result.observed == result.range)
        #expect(result.counts == ValueCounts(batches: 3, finite: 9))
    }

    @Test func symmetricUsesTheLargerMagnitude() throws {
        let result = try Feed.result(.minMax(MinMaxOptions(symmetric: true)), batches)
        #expect(result.range == CalibrationRange(min: -6, max: 6))
    }

    @Test func meanAveragesEachBatchsExtremes() throws {
        let result = try Feed.result(.minMax(MinMaxOptions(averaging: .mean)), batches)
        #expect(result.range == CalibrationRange(min: -3, max: 3))
        #expect(result.observed == CalibrationRange(min: -6, max: 4))
    }

    @Test func exponentialAverageStartsFromTheFirstBatch() throws {
        let result = try Feed.result(.minMax(MinMaxOptions(averaging: .exponential(constant: 0.5))), batches)
        // min: -2 → -2 + 0.5·(-1 + 2) = -1.5 → -1.5 + 0.5·(-6 + 1.5) = -3.75; max: 3 → 3.5 → 2.75.
        #expect(result.range == CalibrationRange(min: -3.75, max: 2.75))
    }

    @Test func exponentialAverageDependsOnOrderButTheOthersDoNot() throws {
        let reversed = Array(batches.reversed())
        let exponential = MinMaxOptions(averaging: .exponential(constant: 0.5))
        #expect(try Feed.result(.minMax(exponential), batches) != Feed.result(.minMax(exponential), reversed))
        for options in [MinMaxOptions(), MinMaxOptions(averaging: .mean)] {
            #expect(try Feed.result(.minMax(options), batches).range == Feed.result(.minMax(options), reversed).range)
        }
    }

    @Test func batchesWithoutFiniteValuesDoNotTakePartInAveraging() throws {
        let result = try Feed.result(
            .minMax(MinMaxOptions(averaging: .mean)), [[1, -1], [.nan, .infinity], [], [3, -3]])
        #expect(result.range == CalibrationRange(min: -2, max: 2))
        #expect(result.counts == ValueCounts(batches: 4, finite: 4, nan: 1, positiveInfinity: 1))
    }

    @Test func averagingConstantMustBeAFraction() {
        #expect(throws: CalibrationError.self) {
            try MinMaxObserver(options: MinMaxOptions(averaging: .exponential(constant: 1.5)))
        }
    }
}
