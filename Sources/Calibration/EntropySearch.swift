import Foundation

/// KL-divergence threshold searches over a histogram.
enum EntropySearch {
    /// A chosen clipping window and the divergence that chose it.
    struct Choice: Equatable {
        /// The window's lower end.
        var lower: Double
        /// The window's upper end.
        var upper: Double
        /// The KL divergence at the chosen window.
        var divergence: Double
    }

    /// ONNX Runtime's search over a signed histogram (`get_entropy_threshold`), reproduced step by step.
    ///
    /// For `i` from `quantizedBins/2` to `n/2`, the window is bins `[n/2 - i, n/2 + i + 1)`;
    /// outliers fold into its end bins to make `p`; the window's counts merge into
    /// `quantizedBins` groups of `len / quantizedBins` bins (the remainder joins the last
    /// group) and spread back over the non-empty bins of each group, truncated to integers, to
    /// make `q` (bins past the last full group get 0); both are smoothed with eps = 1e-4; the
    /// first window with the smallest KL(p‖q) wins. Nil when the histogram has fewer than
    /// `quantizedBins` bins or no window has a finite divergence.
    static func onnxRuntime(_ histogram: BinnedCounts, quantizedBins: Int) -> Choice? {
        let counts = histogram.counts
        let binCount = counts.count
        let zeroBin = binCount / 2
        let halfQuantized = quantizedBins / 2
        guard quantizedBins >= 2, zeroBin >= halfQuantized else { return nil }
        var prefix = [UInt64](repeating: 0, count: binCount + 1)
        for index in 0..<binCount { prefix[index + 1] = prefix[index] &+ counts[index] }
        var best: Choice?
        for half in halfQuantized...zeroBin {
            let start = zeroBin - half
            let end = min(zeroBin + half + 1, binCount)
            let divergence = onnxRuntimeDivergence(
                counts[start..<end], below: prefix[start], above: prefix[binCount] &- prefix[end],
                quantizedBins: quantizedBins)
            if divergence.isFinite && divergence < (best?.divergence ?? .infinity) {
                best = Choice(lower: histogram.edges[start], upper: histogram.edges[end], divergence: divergence)
            }
        }
        return best
    }

    /// KL(p‖q) for one window of ONNX Runtime's search.
    private static func onnxRuntimeDivergence(
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
            // ONNX Runtime stores q in an int64 array, truncating the spread counts.
            let spread = (Double(sum) / Double(nonEmpty)).rounded(.towardZero)
            for index in start..<end { candidate[index] = spread }
        }
        guard let p = smoothed(reference), let q = smoothed(candidate) else { return .infinity }
        return divergence(p, q)
    }

    /// ONNX Runtime's `smooth_distribution`: zeros become eps, the mass taken evenly from the non-zeros; nil if all zero.
    private static func smoothed(_ distribution: [Double], eps: Double = 0.0001) -> [Double]? {
        let zeros = distribution.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
        let nonZeros = distribution.count - zeros
        guard nonZeros > 0 else { return nil }
        let taken = eps * Double(zeros) / Double(nonZeros)
        let result = distribution.map { $0 == 0 ? eps : $0 - taken }
        // ONNX Runtime asserts here; a window that cannot be smoothed is simply not chosen.
        guard result.allSatisfy({ $0 > 0 }) else { return nil }
        return result
    }

    /// KL(p‖q) after normalizing both; +Inf where p > 0 meets q = 0.
    private static func divergence(_ p: [Double], _ q: [Double]) -> Double {
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

    /// NVIDIA's search over a magnitude histogram (`_compute_amax_entropy`, stride 1).
    ///
    /// Bin 0 takes bin 1's count (NVIDIA's guard against the spike of zeros); for each `i`
    /// from `startBin` to `n`, `p` is the first `i` bins with the rest folded into bin `i-1`,
    /// and `q` merges them into `quantizedBins` equal groups (bin `j` to group
    /// `⌊j·quantizedBins/i⌋`), spread evenly over each group's non-empty bins; the last `i`
    /// with the smallest KL(p‖q) wins and the threshold is the edge `i`.
    static func tensorRT(_ histogram: BinnedCounts, quantizedBins: Int, startBin: Int = 128) -> Choice? {
        var bins = histogram.counts
        guard quantizedBins >= 1, bins.count >= 2 else { return nil }
        bins[0] = bins[1]
        let binCount = bins.count
        var suffix = [UInt64](repeating: 0, count: binCount + 1)
        for index in stride(from: binCount - 1, through: 0, by: -1) { suffix[index] = suffix[index + 1] &+ bins[index] }
        var best: Choice?
        for end in min(startBin, binCount)...binCount where end >= 1 {
            let value = tensorRTDivergence(bins[0..<end], outliers: suffix[end], quantizedBins: quantizedBins)
            if value.isFinite && value <= (best?.divergence ?? .infinity) {
                best = Choice(lower: -histogram.edges[end], upper: histogram.edges[end], divergence: value)
            }
        }
        return best
    }

    /// KL(p‖q) for the first `window.count` bins of NVIDIA's search.
    private static func tensorRTDivergence(_ window: ArraySlice<UInt64>, outliers: UInt64, quantizedBins: Int) -> Double
    {
        let length = window.count
        var groupSums = [Double](repeating: 0, count: quantizedBins)
        var groupSizes = [Int](repeating: 0, count: quantizedBins)
        let group = { (index: Int) in index * quantizedBins / length }
        for (offset, count) in window.enumerated() where count != 0 {
            groupSums[group(offset)] += Double(count)
            groupSizes[group(offset)] += 1
        }
        var reference = window.map { Double($0) }
        reference[length - 1] += Double(outliers)
        let candidate = window.enumerated().map { offset, count -> Double in
            count == 0 ? 0 : groupSums[group(offset)] / Double(groupSizes[group(offset)])
        }
        return divergence(reference, candidate)
    }
}
