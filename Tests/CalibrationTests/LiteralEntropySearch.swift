import Foundation

@testable import Calibration

/// ONNX Runtime's `get_entropy_threshold`, transcribed line by line with a fresh array per step.
///
/// This is what `EntropySearch.onnxRuntime` computed before it was made fast; the tests hold
/// the fast search to it bit for bit.
enum LiteralEntropySearch {
    /// The chosen window's (lower edge, upper edge, divergence), nil when no window qualifies.
    static func onnxRuntime(_ histogram: BinnedCounts, quantizedBins: Int) -> (Double, Double, Double)? {
        let counts = histogram.counts
        let binCount = counts.count
        let zeroBin = binCount / 2
        let halfQuantized = quantizedBins / 2
        guard quantizedBins >= 2, zeroBin >= halfQuantized else { return nil }
        var prefix = [UInt64](repeating: 0, count: binCount + 1)
        for index in 0..<binCount { prefix[index + 1] = prefix[index] &+ counts[index] }
        var best: (Double, Double, Double)?
        for half in halfQuantized...zeroBin {
            let start = zeroBin - half
            let end = min(zeroBin + half + 1, binCount)
            let divergence = windowDivergence(
                counts[start..<end], below: prefix[start], above: prefix[binCount] &- prefix[end],
                quantizedBins: quantizedBins)
            if divergence.isFinite && divergence < (best?.2 ?? .infinity) {
                best = (histogram.edges[start], histogram.edges[end], divergence)
            }
        }
        return best
    }

    private static func windowDivergence(
        _ window: ArraySlice<UInt64>, below: UInt64, above: UInt64, quantizedBins: Int
    ) -> Double {
        let sliced = Array(window)
        let length = sliced.count
        var reference = sliced.map { Double($0) }
        reference[0] += Double(below)
        reference[length - 1] += Double(above)
        let merged = length / quantizedBins
        var candidate = [Double](repeating: 0, count: length)
        for group in 0..<quantizedBins {
            let start = group * merged
            let end = start + merged
            var sum = sliced[start..<end].reduce(0, &+)
            if group == quantizedBins - 1 { sum &+= sliced[(quantizedBins * merged)...].reduce(0, &+) }
            let nonEmpty = reference[start..<end].reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
            guard nonEmpty != 0 else { continue }
            let spread = (Double(sum) / Double(nonEmpty)).rounded(.towardZero)
            for index in start..<end { candidate[index] = spread }
        }
        guard let p = smoothed(reference), let q = smoothed(candidate) else { return .infinity }
        let pTotal = p.reduce(0, +)
        let qTotal = q.reduce(0, +)
        guard pTotal > 0, qTotal > 0 else { return .infinity }
        var sum = 0.0
        for (pValue, qValue) in zip(p, q) where pValue > 0 {
            guard qValue > 0 else { return .infinity }
            let pNormal = pValue / pTotal
            sum += pNormal * log(pNormal / (qValue / qTotal))
        }
        return sum
    }

    private static func smoothed(_ distribution: [Double], eps: Double = 0.0001) -> [Double]? {
        let zeros = distribution.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
        let nonZeros = distribution.count - zeros
        guard nonZeros > 0 else { return nil }
        let taken = eps * Double(zeros) / Double(nonZeros)
        let result = distribution.map { $0 == 0 ? eps : $0 - taken }
        guard result.allSatisfy({ $0 > 0 }) else { return nil }
        return result
    }
}
