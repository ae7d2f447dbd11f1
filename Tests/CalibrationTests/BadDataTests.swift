import Quantization
import Testing

@testable import Calibration

/// NaN, infinities, constant and empty tensors: a documented, finite result or a clear error for every method.
@Suite struct BadDataTests {
    /// Every method with a configuration that can run in one pass.
    private static let configurations: [ObserverConfiguration] = [
        .minMax(MinMaxOptions()), .minMax(MinMaxOptions(averaging: .mean)),
        .minMax(MinMaxOptions(averaging: .exponential(constant: 0.1))), .percentile(PercentileOptions()),
        .percentile(PercentileOptions(symmetric: false)), .entropy(EntropyOptions(grid: .streaming)),
        .entropy(EntropyOptions(variant: .tensorRT, grid: .streaming)), .mse(MSEOptions()),
        .mse(MSEOptions(scheme: QuantScheme(format: .uint8, symmetric: false))),
        .mse(MSEOptions(scheme: QuantScheme(format: .float8e4m3fn, symmetric: true))),
    ]

    /// A result whose range is finite, ordered and gives a normal scale in every format, symmetric or not.
    private func expectSafe(_ result: TensorCalibration, _ label: String) throws {
        #expect(result.range.isFinite && result.range.min <= result.range.max, "\(label): \(result.range)")
        for format in QuantFormat.qdqFormats {
            for symmetric in [false, true] {
                let parameters = try QuantScheme(format: format, symmetric: symmetric).params(
                    rmin: result.range.min, rmax: result.range.max, tensor: label)
                #expect(parameters.scale.isNormal && parameters.scale > 0, "\(label) \(format) \(symmetric)")
            }
        }
    }

    @Test(arguments: configurations)
    func nonFiniteValuesAreIgnoredAndCounted(configuration: ObserverConfiguration) throws {
        var values: [Float] = (0..<1000).map { Float($0 % 17) - 8 }
        values[3] = .nan
        values[10] = .infinity
        values[11] = -.infinity
        values[12] = .nan
        let result = try Feed.result(configuration, [values, [.nan, .nan], [.infinity]])
        #expect(result.counts == ValueCounts(batches: 3, finite: 996, nan: 4, positiveInfinity: 2, negativeInfinity: 1))
        #expect(result.observed == CalibrationRange(min: -8, max: 8))
        try expectSafe(result, "\(configuration)")
    }

    @Test(arguments: configurations)
    func tensorsWithoutFiniteValuesGiveZeroRange(configuration: ObserverConfiguration) throws {
        let result = try Feed.result(configuration, [[.nan, .infinity, -.infinity], []])
        #expect(result.range == .zero)
        #expect(!result.hasFiniteValues)
        #expect(result.counts.batches == 2)
        try expectSafe(result, "\(configuration)")
        let none = try Feed.result(configuration, [])
        #expect(none.range == .zero)
    }

    @Test(arguments: configurations)
    func constantTensorsGiveTheirValue(configuration: ObserverConfiguration) throws {
        for constant: Float in [0, 2.5, -1e-3] {
            let result = try Feed.result(configuration, [[Float](repeating: constant, count: 300), [constant]])
            #expect(result.observed == CalibrationRange(min: constant, max: constant))
            #expect(result.range.min >= constant || result.range.min == 0, "\(configuration) \(constant)")
            #expect(result.range.max <= constant || result.range.max == 0, "\(configuration) \(constant)")
            try expectSafe(result, "\(configuration) constant \(constant)")
        }
    }

    @Test func knownRangeEntropyHandlesConstantsAndOutliers() throws {
        var observer = try EntropyObserver(options: EntropyOptions(), knownAbsMax: 0)
        try Feed.batch(&observer, [0, 0, 0])
        try expectSafe(try observer.result(), "entropy all zeros")
        var wrong = try EntropyObserver(options: EntropyOptions(), knownAbsMax: 1)
        try Feed.batch(&wrong, [0.5, 4, -9])
        let result = try wrong.result()
        #expect(result.histogram?.outOfRange == 2)
        try expectSafe(result, "entropy with values beyond the known range")
    }

    /// Ranges at the ends of float32 used to trap ("Float value cannot be converted to Int"): a range near
    /// 1e-38 made the bin scale infinite, one near 3.4e38 made `value - lower` infinite.
    @Test(arguments: [EntropyVariant.onnxRuntime, .tensorRT])
    func knownRangeEntropyTakesRangesAtTheEndsOfFloat32(variant: EntropyVariant) throws {
        let extremes: [[Float]] = [
            [0, 0, 0, -1e-38], [1e-45, 0, 0, 0], [3.4e38, -3.4e38, 0, 1], [3.4e38, 3.3e38, 0, 1],
            [-.greatestFiniteMagnitude, .greatestFiniteMagnitude], [.leastNonzeroMagnitude, -.leastNonzeroMagnitude],
        ]
        for values in extremes {
            let absMax = values.map(abs).max() ?? 0
            var observer = try EntropyObserver(options: EntropyOptions(variant: variant), knownAbsMax: absMax)
            try Feed.batch(&observer, values)
            let result = try observer.result()
            #expect(result.range.isFinite && result.range.min <= result.range.max, "\(values): \(result.range)")
            #expect(result.histogram?.outOfRange == 0, "\(values)")
        }
    }

    @Test func aFixedRangeHistogramBinsEveryValueOfAnExtremeRange() throws {
        for (lower, upper): (Float, Float) in [(-1e-38, 0), (-3.4e38, 3.4e38), (-.greatestFiniteMagnitude, 0)] {
            var histogram = try FixedRangeHistogram(lower: lower, upper: upper, bins: 64, countsMagnitudes: false)
            #expect(histogram.edges.allSatisfy { $0.isFinite }, "[\(lower), \(upper)]")
            [lower, upper, 0, lower / 2].withUnsafeBufferPointer { histogram.add($0) }
            #expect(histogram.counts.reduce(0, +) == 4)
            #expect(histogram.counts.first ?? 0 >= 1 && histogram.counts.last ?? 0 >= 1)
        }
    }

    @Test func shapesThatDoNotFitAreErrors() throws {
        var observer = try MinMaxObserver()
        #expect(throws: CalibrationError.self) { try Feed.batch(&observer, [1, 2, 3], shape: [2, 2]) }
        #expect(throws: CalibrationError.self) { try Feed.batch(&observer, [1, 2], shape: [-1, -2]) }
        #expect(throws: CalibrationError.self) { try Feed.batch(&observer, [1], shape: [Int.max, 4]) }
        try Feed.batch(&observer, [], shape: [0, 5])
    }
}
