import SeededRandom
import Testing

@testable import Calibration

/// The vectorized scan, the known-range histogram's guessed bins and the fast entropy search give
/// exactly what their plain transcriptions give.
@Suite struct FastScanTests {
    /// Mixes of values that stress the scan: both zeros, NaN, infinities, denormals, in runs or scattered.
    private func batches() -> [[Float]] {
        var generator = SplitMix64(seed: 77)
        let specials: [Float] = [0, -0.0, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, -1, 3.5]
        var result: [[Float]] = []
        for count in [0, 1, 7, 8, 9, 4095, 4096, 4097, 8200, 20000] {
            let normals = generator.normals(count)
            result.append(normals)
            result.append(normals.map { max($0, 0) })
            result.append(normals.map { min($0, -0.0) })
            result.append(normals.enumerated().map { $0.offset % 1000 == 999 ? .nan : $0.element })
            result.append((0..<count).map { _ in specials[generator.below(specials.count)] })
            result.append((0..<count).map { _ in [Float(0), -0.0][generator.below(2)] })
        }
        result.append([.infinity] + generator.normals(5000) + [-.infinity])
        return result
    }

    /// The scan as a plain loop over the values.
    private func literalScan(_ values: [Float]) -> [UInt64] {
        var (finite, nan, positive, negative, zeros) = (0, 0, 0, 0, 0)
        var (low, high) = (Float.infinity, -Float.infinity)
        for value in values {
            if value.isFinite {
                finite += 1
                if value == 0 { zeros += 1 }
                if value < low { low = value }
                if value > high { high = value }
            } else if value.isNaN {
                nan += 1
            } else if value > 0 {
                positive += 1
            } else {
                negative += 1
            }
        }
        return [finite, nan, positive, negative, zeros].map(UInt64.init) + [low, high].map { UInt64($0.bitPattern) }
    }

    @Test func batchScanMatchesAPlainLoopBitForBit() {
        for values in batches() {
            let scan = values.withUnsafeBufferPointer { BatchScan($0) }
            let counts = scan.counts
            let fast =
                [counts.finite, counts.nan, counts.positiveInfinity, counts.negativeInfinity, scan.zeros].map(
                    UInt64.init) + [scan.minimum, scan.maximum].map { UInt64($0.bitPattern) }
            #expect(fast == literalScan(values), "\(values.count) values starting \(values.prefix(4))")
            #expect(counts.batches == 1)
        }
    }

    @Test func knownRangeHistogramCountsMatchABinarySearchOverItsEdges() throws {
        for values in batches() where values.contains(where: { $0.isFinite && $0 != 0 }) {
            let finite = values.filter(\.isFinite)
            let magnitude = (finite.map(abs).max() ?? 1) * 0.8
            for magnitudes in [false, true] {
                var histogram = try FixedRangeHistogram(
                    lower: magnitudes ? 0 : -magnitude, upper: magnitude, bins: 256, countsMagnitudes: magnitudes)
                values.withUnsafeBufferPointer { histogram.add($0) }
                var literal = [UInt64](repeating: 0, count: 256)
                var outside: UInt64 = 0
                let edges = histogram.edges
                for raw in finite {
                    let value = magnitudes ? abs(raw) : raw
                    if value < edges[0] || value > edges[256] { outside += 1 }
                    // numpy: the last bin is closed; values outside go to the nearest end bin.
                    var (low, high) = (0, edges.count)
                    while low < high {
                        let middle = (low + high) / 2
                        if edges[middle] <= value { low = middle + 1 } else { high = middle }
                    }
                    literal[min(max(low - 1, 0), 255)] += 1
                }
                #expect(histogram.counts == literal, "\(values.count) values, magnitudes \(magnitudes)")
                #expect(histogram.outOfRange == outside)
            }
        }
    }

    /// Histograms of the shapes real tensors give: peaked, flat, one-sided (ReLU), sparse tails, gaps.
    private func histograms() -> [BinnedCounts] {
        var generator = SplitMix64(seed: 5)
        var result: [BinnedCounts] = []
        for bins in [2, 3, 16, 128, 129, 300, 513, 2048] {
            for shape in 0..<5 {
                var counts = [UInt64](repeating: 0, count: bins)
                for _ in 0..<(shape == 3 ? 40 : 20000) {
                    let value: Float
                    switch shape {
                    case 0: value = generator.normal() / 4
                    case 1: value = generator.nextUnitFloat() * 2 - 1
                    case 2: value = max(generator.normal() / 3, 0)
                    default: value = generator.normal() / 5
                    }
                    let index = Int((min(max(value, -1), 0.9999) + 1) / 2 * Float(bins))
                    counts[min(max(index, 0), bins - 1)] += 1
                }
                if shape == 4 { counts = counts.enumerated().map { $0.offset % 3 == 1 ? 0 : $0.element } }
                result.append(
                    BinnedCounts(counts: counts, edges: (0...bins).map { Double($0) / Double(bins) * 2 - 1 }))
            }
        }
        return result
    }

    @Test func entropySearchMatchesTheLiteralTranscriptionBitForBit() {
        for histogram in histograms() {
            // The 2048-bin search (the default, and big enough to run on several threads) only with 128.
            for quantizedBins in histogram.counts.count > 600 ? [128] : [2, 3, 16, 128] {
                let fast = EntropySearch.onnxRuntime(histogram, quantizedBins: quantizedBins)
                let literal = LiteralEntropySearch.onnxRuntime(histogram, quantizedBins: quantizedBins)
                let pattern = { (choice: (Double, Double, Double)?) in
                    choice.map { [$0.0.bitPattern, $0.1.bitPattern, $0.2.bitPattern] }
                }
                #expect(
                    pattern(fast.map { ($0.lower, $0.upper, $0.divergence) }) == pattern(literal),
                    "\(histogram.counts.count) bins, \(quantizedBins) quantized: \(String(describing: fast)) vs \(String(describing: literal))"
                )
            }
        }
    }
}
