import Foundation

/// A histogram of finite values whose range grows with the data, never storing a value.
///
/// Each sign has `binsPerSide` bins over magnitudes: bin `i` holds the values with
/// `i·w <= |x| < (i+1)·w`, where the bin width `w = 2^e` is a power of two. `e` is always
/// the smallest exponent with `absMax < binsPerSide · 2^e` for the largest magnitude seen so
/// far. When a batch brings a larger magnitude, `e` grows by `d` and every `2^d` adjacent bins
/// merge into one; since widths are powers of two and bins start at zero, a merged bin holds
/// exactly what it would have held had the data arrived at the final width. So the
/// histogram, and everything computed from it, depends only on the multiset of values, not
/// on how they were split into batches nor on their order. Exact zeros are also counted
/// apart, so methods can treat them as a point mass (ReLU outputs are often half zeros).
/// Between half and all of the bins on each side cover the data.
public struct StreamingHistogram: Equatable, Sendable {
    /// The default number of bins per sign: between 2048 and 4096 of them cover the largest magnitude.
    public static let defaultBinsPerSide = 4096
    /// The accepted bin counts per side.
    public static let binsPerSideLimits = 16...(1 << 20)

    /// Bins for each sign.
    public let binsPerSide: Int
    /// `e` in the bin width `2^e`; nil until a non-zero finite value arrives.
    public private(set) var widthExponent: Int?
    /// Bin counts of the values `x >= 0` by magnitude (zeros, including -0, are in bin 0).
    public private(set) var positive: [UInt64]
    /// Bin counts of the values `x < 0` by magnitude.
    public private(set) var negative: [UInt64]
    /// How many of the values were exactly zero (they are also in `positive[0]`).
    public private(set) var zeros: UInt64 = 0

    /// Creates an empty histogram; `binsPerSide` must be within `binsPerSideLimits`.
    public init(binsPerSide: Int = StreamingHistogram.defaultBinsPerSide) throws {
        guard Self.binsPerSideLimits.contains(binsPerSide) else {
            throw CalibrationError.badBatch(
                reason: "histogram bins per side \(binsPerSide) is outside \(Self.binsPerSideLimits)")
        }
        self.binsPerSide = binsPerSide
        positive = Array(repeating: 0, count: binsPerSide)
        negative = Array(repeating: 0, count: binsPerSide)
    }

    /// A histogram restored from saved calibration state: `positive` and `negative` may omit trailing empty bins.
    ///
    /// Throws with the reason when the parts do not describe a histogram this type could have built.
    init(binsPerSide: Int, widthExponent: Int?, positive: [UInt64], negative: [UInt64], zeros: UInt64) throws {
        try self.init(binsPerSide: binsPerSide)
        guard positive.count <= binsPerSide, negative.count <= binsPerSide else {
            throw CalibrationError.badBatch(
                reason: "more histogram bins than the \(binsPerSide) per side of its options")
        }
        guard zeros <= positive.first ?? 0 else {
            throw CalibrationError.badBatch(reason: "more exact zeros than values in the first positive bin")
        }
        if widthExponent == nil,
            positive.dropFirst().contains(where: { $0 != 0 }) || negative.contains(where: { $0 != 0 })
        {
            throw CalibrationError.badBatch(reason: "non-zero values in a histogram without a bin width")
        }
        if let widthExponent, !(-1100...1100).contains(widthExponent) {
            throw CalibrationError.badBatch(reason: "histogram width exponent \(widthExponent) is out of range")
        }
        self.widthExponent = widthExponent
        self.positive.replaceSubrange(0..<positive.count, with: positive)
        self.negative.replaceSubrange(0..<negative.count, with: negative)
        self.zeros = zeros
    }

    /// Adds the counts of another histogram with the same bins per side.
    ///
    /// Both are first brought to the wider of the two power-of-two widths by merging adjacent bins, which
    /// is exact (see the type's note), so the sum is the histogram of all the values of both, whichever
    /// came first: merging is commutative and associative.
    mutating func merge(_ other: StreamingHistogram) {
        guard let theirs = other.widthExponent else {
            positive[0] &+= other.positive[0]
            zeros &+= other.zeros
            return
        }
        var other = other
        let width = max(widthExponent ?? theirs, theirs)
        widen(to: width)
        other.widen(to: width)
        for index in 0..<binsPerSide {
            positive[index] &+= other.positive[index]
            negative[index] &+= other.negative[index]
        }
        zeros &+= other.zeros
    }

    /// Merges bins until the width exponent is `exponent` (never narrows); a histogram of zeros only just takes it.
    private mutating func widen(to exponent: Int) {
        guard let current = widthExponent else {
            widthExponent = exponent
            return
        }
        guard exponent > current else { return }
        positive = Self.merge(positive, shift: exponent - current)
        negative = Self.merge(negative, shift: exponent - current)
        widthExponent = exponent
    }

    /// The bin width `2^e`; 0 while only zeros were seen.
    public var binWidth: Double { widthExponent.map(Self.powerOfTwo) ?? 0 }

    /// The counters kept, which is all the memory the histogram uses besides a few scalars.
    public var storedCounterCount: Int { positive.count + negative.count }

    /// The number of finite values counted.
    public var total: UInt64 { positive.reduce(0, &+) &+ negative.reduce(0, &+) }

    /// One more than the highest non-empty bin of either sign; 0 when empty.
    public var usedBinsPerSide: Int {
        let top = { (bins: [UInt64]) in (bins.lastIndex { $0 != 0 } ?? -1) + 1 }
        return max(top(positive), top(negative))
    }

    /// Counts the finite values of `values`; `scan` is the batch's scan (its extremes and counts).
    mutating func add(_ values: UnsafeBufferPointer<Float>, scan: BatchScan) {
        guard scan.hasFiniteValues else { return }
        if scan.absMax > 0 { grow(toCover: scan.absMax) }
        let exponent = -(widthExponent ?? 0)
        let allFinite = scan.counts.finite == values.count
        // Scaling by a power of two is exact, so a bin is floor(|x| / w) exactly; float32 suffices
        // when 2^-e is a normal float32, which covers every magnitude range but the extreme ones.
        if allFinite && exponent > Float.leastNormalMagnitude.exponent
            && exponent < Float.greatestFiniteMagnitude.exponent
        {
            countFinite(values, scale: Float(sign: .plus, exponent: Int(exponent), significand: 1))
        } else {
            countMixed(values, scale: Self.powerOfTwo(exponent))
        }
        zeros &+= UInt64(scan.zeros)
    }

    /// The fast loop: every value is finite and the scale is a normal float32.
    private mutating func countFinite(_ values: UnsafeBufferPointer<Float>, scale: Float) {
        let last = Float(binsPerSide - 1)
        positive.withUnsafeMutableBufferPointer { positive in
            negative.withUnsafeMutableBufferPointer { negative in
                for value in values {
                    let bin = Int(min(abs(value) * scale, last))
                    if value < 0 { negative[bin] &+= 1 } else { positive[bin] &+= 1 }
                }
            }
        }
    }

    /// The general loop: skips NaN and infinities, scales in double.
    private mutating func countMixed(_ values: UnsafeBufferPointer<Float>, scale: Double) {
        let last = Double(binsPerSide - 1)
        positive.withUnsafeMutableBufferPointer { positive in
            negative.withUnsafeMutableBufferPointer { negative in
                for value in values where value.isFinite {
                    let bin = Int(min(Double(abs(value)) * scale, last))
                    if value < 0 { negative[bin] &+= 1 } else { positive[bin] &+= 1 }
                }
            }
        }
    }

    /// Widens the bins (merging neighbours) until `absMax` falls inside the last bin.
    private mutating func grow(toCover absMax: Float) {
        let needed = Self.exponent(covering: absMax, bins: binsPerSide)
        guard let current = widthExponent else {
            widthExponent = needed
            return
        }
        guard needed > current else { return }
        widen(to: needed)
    }

    /// Bins of width `2^(e+shift)` from bins of width `2^e`: old bin `i` goes to `i >> shift`.
    private static func merge(_ bins: [UInt64], shift: Int) -> [UInt64] {
        var merged = [UInt64](repeating: 0, count: bins.count)
        for (index, count) in bins.enumerated() where count != 0 {
            merged[shift >= Int.bitWidth - 1 ? 0 : index >> shift] &+= count
        }
        return merged
    }

    /// The smallest `e` with `absMax < bins · 2^e`.
    static func exponent(covering absMax: Float, bins: Int) -> Int {
        let magnitude = Double(absMax)
        let count = Double(bins)
        var exponent = Int(magnitude.exponent) - Int(count.exponent)
        while !(magnitude < count * powerOfTwo(exponent)) { exponent += 1 }
        while magnitude < count * powerOfTwo(exponent - 1) { exponent -= 1 }
        return exponent
    }

    /// `2^exponent` as a Double (exact for every exponent a Float magnitude can need).
    static func powerOfTwo(_ exponent: Int) -> Double {
        Double(sign: .plus, exponent: exponent, significand: 1)
    }

    /// The histogram coarsened by merging `2^shift` bins, cut to its used bins: (positive, negative, width).
    func coarsened(shift: Int) -> (positive: [UInt64], negative: [UInt64], width: Double) {
        let used = usedBinsPerSide
        let count = shift >= Int.bitWidth - 1 ? 1 : (used + (1 << shift) - 1) >> shift
        let cut = { (bins: [UInt64]) -> [UInt64] in
            var merged = [UInt64](repeating: 0, count: max(count, 1))
            for index in 0..<used where bins[index] != 0 {
                merged[shift >= Int.bitWidth - 1 ? 0 : index >> shift] &+= bins[index]
            }
            return merged
        }
        return (cut(positive), cut(negative), binWidth * Self.powerOfTwo(shift))
    }

    /// The merge shift whose used bin count per side is nearest `target` on a log scale.
    ///
    /// Searches that mimic a fixed grid of `target` bins over [0, absMax] get the closest
    /// resolution powers of two allow: between 0.71 and 1.41 times the target's bin width.
    func shift(nearest target: Int) -> Int {
        let used = usedBinsPerSide
        guard used > 0, target > 0 else { return 0 }
        let count = { (shift: Int) in Double((used + (1 << shift) - 1) >> shift) }
        var best = 0
        var shift = 0
        while shift < Int.bitWidth - 2 && (used >> shift) > 0 {
            if abs(log2(count(shift) / Double(target))) < abs(log2(count(best) / Double(target))) { best = shift }
            shift += 1
        }
        return best
    }

    /// The signed histogram, negative bins first, coarsened to about `target` used bins per side.
    ///
    /// Bins are `[k·w, (k+1)·w)` for `k >= 0` and `(k·w, (k+1)·w]` for `k < 0` (by magnitude);
    /// the two differ only for values exactly on a bin edge.
    func signedBins(binsPerSideNear target: Int) -> BinnedCounts {
        let (positive, negative, width) = coarsened(shift: shift(nearest: target))
        let side = positive.count
        let edges = (-side...side).map { Double($0) * width }
        return BinnedCounts(counts: negative.reversed() + positive, edges: edges)
    }

    /// The histogram of magnitudes `|x|`, coarsened to about `target` used bins.
    func magnitudeBins(near target: Int) -> BinnedCounts {
        let (positive, negative, width) = coarsened(shift: shift(nearest: target))
        let counts = zip(positive, negative).map { $0 &+ $1 }
        return BinnedCounts(counts: counts, edges: (0...counts.count).map { Double($0) * width })
    }
}
