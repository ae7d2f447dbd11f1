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
    ///
    /// The windows are independent, so large searches split them over the cores (window `i`
    /// goes to worker `i mod workers`, which balances their growing lengths); taking the
    /// smallest (divergence, window) pair keeps the sequential search's choice exactly.
    static func onnxRuntime(_ histogram: BinnedCounts, quantizedBins: Int) -> Choice? {
        let binCount = histogram.counts.count
        let zeroBin = binCount / 2
        let halfQuantized = quantizedBins / 2
        guard quantizedBins >= 2, zeroBin >= halfQuantized else { return nil }
        let windows = OnnxRuntimeWindows(counts: histogram.counts, quantizedBins: quantizedBins)
        let halves = halfQuantized...zeroBin
        // About binCount²/4 bin visits in all; below ~1M a second thread does not pay for its start.
        let cores = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let workers = halves.count * binCount >= (1 << 20) ? cores : 1
        var bests = [(half: Int, divergence: Double)?](repeating: nil, count: workers)
        bests.withUnsafeMutableBufferPointer { buffer in
            let slots = buffer
            // Each worker writes only its own slot, which the compiler cannot see through the pointer.
            nonisolated(unsafe) let search = { (worker: Int) in
                var scratch = windows.makeScratch()
                var best: (half: Int, divergence: Double)?
                for half in stride(from: halves.lowerBound + worker, through: halves.upperBound, by: workers) {
                    let divergence = windows.divergence(half: half, scratch: &scratch)
                    if divergence.isFinite && divergence < (best?.divergence ?? .infinity) {
                        best = (half, divergence)
                    }
                }
                slots[worker] = best
            }
            if workers == 1 {
                search(0)
            } else {
                DispatchQueue.concurrentPerform(iterations: workers) { search($0) }
            }
        }
        var best: (half: Int, divergence: Double)?
        for candidate in bests.compactMap({ $0 }) {
            if let current = best,
                current.divergence < candidate.divergence
                    || (current.divergence == candidate.divergence && current.half < candidate.half)
            {
                continue
            }
            best = candidate
        }
        guard let best else { return nil }
        let start = zeroBin - best.half
        let end = min(zeroBin + best.half + 1, binCount)
        return Choice(lower: histogram.edges[start], upper: histogram.edges[end], divergence: best.divergence)
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
