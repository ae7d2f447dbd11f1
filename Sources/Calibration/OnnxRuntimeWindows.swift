import Foundation

/// The windows of ONNX Runtime's entropy search over one signed histogram, each scored by its KL divergence.
///
/// Computes what `get_entropy_threshold` computes for a window, operation for operation in
/// the same order, so the divergences are bit-identical to a literal transcription (the
/// `LiteralEntropySearch` of the tests), but without its temporary arrays: the reference `p`
/// is built and smoothed in one scratch buffer, and `q`, constant over each merged group, is
/// kept per group. The two left-to-right totals, each a chain of dependent additions, run in
/// one loop so they overlap; equal (p, q) pairs give equal terms, so a run of them (empty tail
/// bins, the empty half of a ReLU output) takes one logarithm instead of one per bin.
struct OnnxRuntimeWindows {
    /// The smoothing constant of ONNX Runtime's `smooth_distribution`.
    static let eps = 0.0001

    /// The histogram's counts as `Double`s (converted once; the conversion is the same per window).
    private let counts: [Double]
    /// `prefix[i]` is the (wrapping) sum of the first `i` counts.
    private let prefix: [UInt64]
    /// Groups a window's bins merge into.
    private let quantizedBins: Int

    /// Prepares the windows of `counts` merged into `quantizedBins` groups.
    init(counts: [UInt64], quantizedBins: Int) {
        self.counts = counts.map { Double($0) }
        self.quantizedBins = quantizedBins
        var prefix = [UInt64](repeating: 0, count: counts.count + 1)
        for index in counts.indices { prefix[index + 1] = prefix[index] &+ counts[index] }
        self.prefix = prefix
    }

    /// Scratch space for `divergence`, one per thread.
    func makeScratch() -> [Double] { [Double](repeating: 0, count: counts.count + quantizedBins + 1) }

    /// KL(p‖q) of the window `[n/2 - half, n/2 + half + 1)`; +Inf when it cannot be smoothed.
    ///
    /// `scratch` comes from `makeScratch()`; its contents are overwritten.
    func divergence(half: Int, scratch: inout [Double]) -> Double {
        let binCount = counts.count
        let start = binCount / 2 - half
        let end = min(binCount / 2 + half + 1, binCount)
        let length = end - start
        let groups = quantizedBins
        guard start >= 0, length >= groups, groups >= 1, scratch.count >= length + groups + 1 else {
            return .infinity
        }
        let below = prefix[start]
        let above = prefix[binCount] &- prefix[end]
        let merged = length / groups
        let groupedEnd = groups * merged
        let eps = Self.eps
        return counts.withUnsafeBufferPointer { counts in
            scratch.withUnsafeMutableBufferPointer { scratch in
                guard let reference = scratch.baseAddress, let source = counts.baseAddress else { return .infinity }
                // q per group; the bins past the last full group form group `groups`, whose q is 0.
                let spreads = reference + length
                // p before smoothing.
                reference.update(from: source + start, count: length)
                reference[0] += Double(below)
                reference[length - 1] += Double(above)
                var referenceZeros = 0
                var candidateZeros = length - groupedEnd
                for group in 0..<groups {
                    let first = group * merged
                    var sum = prefix[start + first + merged] &- prefix[start + first]
                    if group == groups - 1 { sum &+= prefix[end] &- prefix[start + groupedEnd] }
                    var zeros = 0
                    for offset in first..<(first + merged) where reference[offset] == 0 { zeros += 1 }
                    referenceZeros += zeros
                    let nonEmpty = merged - zeros
                    // ONNX Runtime stores q in an int64 array, truncating the spread counts.
                    let spread = nonEmpty == 0 ? 0 : Self.truncated(Double(sum) / Double(nonEmpty))
                    spreads[group] = spread
                    if spread == 0 { candidateZeros += merged }
                }
                spreads[groups] = 0
                for offset in groupedEnd..<length where reference[offset] == 0 { referenceZeros += 1 }
                // smooth_distribution on both: zeros become eps, the mass taken from the non-zeros.
                let referenceNonZeros = length - referenceZeros
                let candidateNonZeros = length - candidateZeros
                guard referenceNonZeros > 0, candidateNonZeros > 0 else { return .infinity }
                let referenceTaken = eps * Double(referenceZeros) / Double(referenceNonZeros)
                let candidateTaken = eps * Double(candidateZeros) / Double(candidateNonZeros)
                var positive = true
                for group in 0...groups {
                    let smoothed = spreads[group] == 0 ? eps : spreads[group] - candidateTaken
                    positive = positive && smoothed > 0
                    spreads[group] = smoothed
                }
                // Both totals left to right, as the transcription sums them.
                var referenceTotal = 0.0
                var candidateTotal = 0.0
                for group in 0...groups {
                    let candidate = spreads[group]
                    let bins = group < groups ? (group * merged)..<((group + 1) * merged) : groupedEnd..<length
                    for offset in bins {
                        let value = reference[offset]
                        let smoothed = value == 0 ? eps : value - referenceTaken
                        positive = positive && smoothed > 0
                        reference[offset] = smoothed
                        referenceTotal += smoothed
                        candidateTotal += candidate
                    }
                }
                // ONNX Runtime asserts here; a window that cannot be smoothed is simply not chosen.
                guard positive, referenceTotal > 0, candidateTotal > 0 else { return .infinity }
                // KL(p‖q) after normalizing both.
                var sum = 0.0
                var lastReference = Double.nan
                var lastCandidate = Double.nan
                var lastTerm = 0.0
                for group in 0...groups {
                    let candidate = spreads[group]
                    let candidateNormal = candidate / candidateTotal
                    let bins = group < groups ? (group * merged)..<((group + 1) * merged) : groupedEnd..<length
                    for offset in bins {
                        let value = reference[offset]
                        if value != lastReference || candidate != lastCandidate {
                            let normal = value / referenceTotal
                            lastTerm = normal * log(normal / candidateNormal)
                            lastReference = value
                            lastCandidate = candidate
                        }
                        sum += lastTerm
                    }
                }
                return sum
            }
        }
    }

    /// `value.rounded(.towardZero)` for a value >= 0 without the libm call: below 2^63 the
    /// integer conversion truncates exactly, and larger doubles are integers already.
    @inline(__always)
    private static func truncated(_ value: Double) -> Double {
        value < 9.2e18 ? Double(Int(value)) : value
    }
}
