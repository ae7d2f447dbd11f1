import SeededRandom
import Testing

@testable import Calibration

/// The streaming histogram: exact rebinning, independence from batching and order, fixed storage.
@Suite struct StreamingHistogramTests {
    private func histogram(_ batches: [[Float]], bins: Int = 64) throws -> StreamingHistogram {
        var histogram = try StreamingHistogram(binsPerSide: bins)
        for batch in batches {
            batch.withUnsafeBufferPointer { histogram.add($0, scan: BatchScan($0)) }
        }
        return histogram
    }

    private func data(seed: UInt64, count: Int) -> [Float] {
        var generator = SplitMix64(seed: seed)
        return generator.normals(count).map { $0 * 3 }
    }

    @Test func widthIsTheSmallestPowerOfTwoThatCoversTheLargestMagnitude() throws {
        let histogram = try self.histogram([[0.5, -3, 2]], bins: 64)
        // 3 < 64·2^-4 = 4, and 3 >= 64·2^-5 = 2.
        #expect(histogram.widthExponent == -4)
        #expect(histogram.binWidth == 0.0625)
        #expect(histogram.positive[8] == 1)  // 0.5 / 0.0625
        #expect(histogram.positive[32] == 1)  // 2 / 0.0625
        #expect(histogram.negative[48] == 1)  // 3 / 0.0625
    }

    @Test func growingMergesBinsExactly() throws {
        let small = data(seed: 1, count: 5000).map { $0 / 100 }
        let large = data(seed: 2, count: 5000)
        let grown = try histogram([small, large])
        let direct = try histogram([small + large])
        #expect(grown == direct)
        #expect(grown.total == 10000)
    }

    @Test func resultDoesNotDependOnBatchingOrOrder() throws {
        let values = data(seed: 3, count: 20000) + [40, -0.001, 0, 0, -55.5]
        let reference = try histogram([values])
        var generator = SplitMix64(seed: 4)
        for trial in 0..<5 {
            let shuffled = values.shuffled(using: &generator)
            let size = [1, 7, 100, 999, 20005][trial]
            let batches = stride(from: 0, to: shuffled.count, by: size).map {
                Array(shuffled[$0..<min($0 + size, shuffled.count)])
            }
            #expect(try histogram(batches) == reference, "batches of \(size)")
        }
    }

    @Test func storageDoesNotGrowWithBatches() throws {
        var histogram = try StreamingHistogram(binsPerSide: 256)
        let before = histogram.storedCounterCount
        for seed in 0..<200 {
            let batch = data(seed: UInt64(seed), count: 500).map { $0 * Float(seed + 1) }
            batch.withUnsafeBufferPointer { histogram.add($0, scan: BatchScan($0)) }
        }
        #expect(histogram.storedCounterCount == before)
        #expect(histogram.positive.count == 256 && histogram.negative.count == 256)
        #expect(histogram.total == 100_000)
    }

    @Test func zerosAreCountedApartAndNonFiniteValuesIgnored() throws {
        let histogram = try self.histogram([[0, -0.0, .nan, .infinity, -.infinity, 1]])
        #expect(histogram.zeros == 2)
        #expect(histogram.positive[0] == 2)
        #expect(histogram.total == 3)
    }

    @Test func onlyZerosLeaveTheWidthUnset() throws {
        let histogram = try self.histogram([[0, 0, 0]])
        #expect(histogram.widthExponent == nil)
        #expect(histogram.binWidth == 0)
        #expect(histogram.zeros == 3)
    }

    @Test func extremeMagnitudesFit() throws {
        let histogram = try self.histogram([[Float.leastNonzeroMagnitude], [Float.greatestFiniteMagnitude, -1]])
        #expect(histogram.total == 3)
        #expect(histogram.usedBinsPerSide == 64)
        #expect(Double(Float.greatestFiniteMagnitude) < histogram.binWidth * 64)
    }

    @Test func coarseningKeepsTheCountsAndTheNearestResolution() throws {
        let histogram = try self.histogram([data(seed: 5, count: 10000)], bins: 4096)
        let signed = histogram.signedBins(binsPerSideNear: 1024)
        #expect(signed.total == 10000)
        #expect(signed.counts.count % 2 == 0)
        let side = signed.counts.count / 2
        #expect(side > 1024 / 2 && side < 1024 * 2)
        #expect(signed.edges.first == -signed.edges.last!)
        let magnitudes = histogram.magnitudeBins(near: 2048)
        #expect(magnitudes.total == 10000)
    }

    @Test func binCountOutsideTheLimitsIsRejected() {
        #expect(throws: CalibrationError.self) { try StreamingHistogram(binsPerSide: 4) }
        #expect(throws: CalibrationError.self) { try StreamingHistogram(binsPerSide: 1 << 21) }
    }
}
