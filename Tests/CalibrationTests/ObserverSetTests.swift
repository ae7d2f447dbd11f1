import Calibration
import Testing

/// The set of observers keyed by tensor name.
@Suite struct ObserverSetTests {
    private func observe(_ set: ObserverSet, _ tensor: String, _ values: [Float], shape: [Int]? = nil) throws {
        try values.withUnsafeBufferPointer { try set.observe(tensor, values: $0, shape: shape ?? [values.count]) }
    }

    @Test func routesBatchesByNameAndIgnoresOthers() throws {
        let set = try ObserverSet(configuration: .minMax(MinMaxOptions()))
        try set.watch("a")
        try set.watch("b")
        try observe(set, "a", [1, 2])
        try observe(set, "b", [-5])
        try observe(set, "c", [100])
        #expect(set.isWatching("a") && !set.isWatching("c"))
        #expect(set.watchedTensors == ["a", "b"])
        let results = try set.results()
        #expect(results.keys.sorted() == ["a", "b"])
        #expect(results["a"]?.range == CalibrationRange(min: 1, max: 2))
        #expect(results["b"]?.range == CalibrationRange(min: -5, max: -5))
    }

    @Test func channelStatisticsJoinTheRangeResult() throws {
        let set = try ObserverSet(configuration: .percentile(PercentileOptions(percentile: 100)))
        try set.watch("x")
        set.watchChannels("x", axis: 0)
        set.watchChannels("only-channels", axis: 0)
        try observe(set, "x", [1, -4, 2, 3], shape: [2, 2])
        try observe(set, "only-channels", [7, -8], shape: [2, 1])
        let results = try set.results()
        #expect(results["x"]?.channelAbsMax == ChannelAbsMax(axis: 0, values: [4, 3]))
        #expect(results["x"]?.range == CalibrationRange(min: -4, max: 3))
        #expect(results["only-channels"]?.channelAbsMax == ChannelAbsMax(axis: 0, values: [7, 8]))
    }

    @Test func errorsNameTheTensor() throws {
        let set = try ObserverSet(configuration: .minMax(MinMaxOptions()))
        try set.watch("conv1_out")
        #expect(
            throws: CalibrationError.tensor(
                name: "conv1_out", reason: "shape [3] describes 3 elements but 2 were given")
        ) {
            try observe(set, "conv1_out", [1, 2], shape: [3])
        }
        let entropy = try ObserverSet(configuration: .entropy(EntropyOptions()))
        // Without a known range the tensor waits for one (CalibrationRunner's first pass gives it).
        try entropy.watch("relu_3")
        #expect(entropy.tensorsAwaitingKnownRange == ["relu_3"])
        #expect(entropy.isWatching("relu_3"))
        do {
            _ = try entropy.results()
            Issue.record("results without a known range succeeded")
        } catch let error as CalibrationError {
            #expect(error.description.hasPrefix("tensor 'relu_3': "))
        }
        try entropy.watch("relu_3", knownAbsMax: 6)
        #expect(entropy.tensorsAwaitingKnownRange.isEmpty)
        #expect(try entropy.results()["relu_3"] != nil)
    }

    @Test func invalidConfigurationIsRejectedUpFront() {
        #expect(throws: CalibrationError.self) {
            try ObserverSet(configuration: .percentile(PercentileOptions(percentile: 120)))
        }
    }
}
