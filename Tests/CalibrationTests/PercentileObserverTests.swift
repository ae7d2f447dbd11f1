import Calibration
import Testing

/// The percentile method on data whose percentiles are known exactly.
@Suite struct PercentileObserverTests {
    /// The integers -500...1000, each once.
    private let ramp = (-500...1000).map(Float.init)

    @Test func magnitudePercentileFollowsNumpy() throws {
        // numpy.percentile(|ramp|, 90): rank 0.9·1500 = 1350 of the sorted magnitudes, which is 850.
        let result = try Feed.result(.percentile(PercentileOptions(percentile: 90)), [ramp])
        #expect(abs(result.range.max - 850) < 0.5)
        #expect(result.range.min == -500)  // -850 clipped to the observed minimum
    }

    @Test func tailsAreCutFromBothSides() throws {
        // numpy.percentile(ramp, [5, 95]) = [-425, 925].
        let result = try Feed.result(.percentile(PercentileOptions(percentile: 90, symmetric: false)), [ramp])
        #expect(abs(result.range.min + 425) < 0.5)
        #expect(abs(result.range.max - 925) < 0.5)
    }

    @Test func aHundredPercentIsTheObservedRange() throws {
        let result = try Feed.result(.percentile(PercentileOptions(percentile: 100, symmetric: false)), [ramp])
        #expect(result.range == CalibrationRange(min: -500, max: 1000))
    }

    @Test func zerosAreAPointMass() throws {
        // 90 % zeros (ReLU-like): the 80th percentile of |x| is exactly 0.
        let values = [Float](repeating: 0, count: 900) + (1...100).map(Float.init)
        let result = try Feed.result(.percentile(PercentileOptions(percentile: 80)), [values])
        #expect(result.range == CalibrationRange(min: 0, max: 0))
    }

    @Test func percentileMustBeInRange() {
        for bad in [0, -1, 100.5, .nan] as [Double] {
            #expect(throws: CalibrationError.self) {
                try PercentileObserver(options: PercentileOptions(percentile: bad))
            }
        }
    }
}
