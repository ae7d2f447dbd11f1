import Calibration
import Quantization
import SeededRandom
import Testing

/// Observers keep the same storage however many batches they see.
@Suite struct MemoryTests {
    private static let configurations: [ObserverConfiguration] = [
        .minMax(MinMaxOptions()), .minMax(MinMaxOptions(averaging: .mean)), .percentile(PercentileOptions()),
        .entropy(EntropyOptions()), .entropy(EntropyOptions(variant: .tensorRT, grid: .streaming)),
        .mse(MSEOptions(scheme: QuantScheme(format: .float8e4m3fn, symmetric: true))),
    ]

    private func feed(_ set: ObserverSet, batches: Int, seed: UInt64) throws {
        var generator = SplitMix64(seed: seed)
        for index in 0..<batches {
            // Growing magnitudes force the streaming histograms to rebin on the way.
            let values = generator.normals(2048).map { $0 * Float(index + 1) }
            for tensor in ["a", "b", "c"] {
                try values.withUnsafeBufferPointer { try set.observe(tensor, values: $0, shape: [2, 1024]) }
            }
        }
    }

    @Test(arguments: configurations)
    func tenTimesMoreBatchesKeepTheSameStorage(configuration: ObserverConfiguration) throws {
        var stored: [Int] = []
        var batchCounts: [Int] = []
        for batches in [6, 60] {
            let set = try ObserverSet(configuration: configuration)
            for tensor in ["a", "b", "c"] {
                try set.watch(tensor, knownAbsMax: Float(batches) * 6)
                set.watchChannels(tensor, axis: 1)
            }
            try feed(set, batches: batches, seed: 61)
            stored.append(set.storedNumberCount)
            let results = try set.results()
            batchCounts.append(results["a"]?.counts.batches ?? 0)
            if let histogram = results["a"]?.histogram {
                #expect(histogram.binCount <= 2 * StreamingHistogram.defaultBinsPerSide)
            }
        }
        #expect(batchCounts == [6, 60])
        #expect(stored[0] == stored[1], "\(configuration): \(stored)")
        #expect(stored[0] < 3 * (2 * StreamingHistogram.defaultBinsPerSide + 1024 + 32))
    }
}
