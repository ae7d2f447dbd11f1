/// A histogram over a range known before the data arrives, binned exactly as `numpy.histogram` bins float32 data.
///
/// This is the grid ONNX Runtime's histogram calibrators build when they see all the data at
/// once: `bins` equal bins over `[lower, upper]`, edges computed in float32 as
/// `numpy.linspace` computes them (`k·step + lower`, `step = (upper - lower) / bins`, last edge
/// `upper`), the last bin closed. Given the true range (from a first min/max pass), it
/// reproduces ONNX Runtime's histogram count for count; values outside the range are counted
/// in the nearest end bin and in `outOfRange` (numpy would drop them).
public struct FixedRangeHistogram: Equatable, Sendable {
    /// The number of bins.
    public let bins: Int
    /// Whether the histogram counts magnitudes `|x|` rather than values.
    public let countsMagnitudes: Bool
    /// The `bins + 1` float32 edges.
    public let edges: [Float]
    /// One count per bin.
    public private(set) var counts: [UInt64]
    /// Values that fell outside `[edges.first, edges.last]` and were put in an end bin.
    public private(set) var outOfRange: UInt64 = 0

    /// Creates the histogram over `[lower, upper]`; an empty range widens by 0.5 each way, as numpy does.
    public init(lower: Float, upper: Float, bins: Int, countsMagnitudes: Bool) throws {
        guard lower.isFinite, upper.isFinite, lower <= upper else {
            throw CalibrationError.badBatch(reason: "histogram range [\(lower), \(upper)] is not a finite interval")
        }
        guard StreamingHistogram.binsPerSideLimits.contains(bins) else {
            throw CalibrationError.badBatch(
                reason: "histogram bin count \(bins) is outside \(StreamingHistogram.binsPerSideLimits)")
        }
        let (first, last) = lower == upper ? (lower - 0.5, upper + 0.5) : (lower, upper)
        self.bins = bins
        self.countsMagnitudes = countsMagnitudes
        self.edges = Self.linspace(from: first, to: last, bins: bins)
        self.counts = Array(repeating: 0, count: bins)
    }

    /// Sets the counts from saved calibration state; throws when there are not `bins` of them.
    mutating func restore(counts: [UInt64], outOfRange: UInt64) throws {
        guard counts.count == bins else {
            throw CalibrationError.badBatch(reason: "\(counts.count) histogram counts for \(bins) bins")
        }
        self.counts = counts
        self.outOfRange = outOfRange
    }

    /// Adds the counts of another histogram over the same edges; throws when the edges differ.
    mutating func merge(_ other: FixedRangeHistogram) throws {
        guard other.edges == edges, other.countsMagnitudes == countsMagnitudes else {
            throw CalibrationError.badBatch(
                reason: "known-range histograms over different ranges ([\(edges.first ?? 0), \(edges.last ?? 0)] "
                    + "and [\(other.edges.first ?? 0), \(other.edges.last ?? 0)]): the parts were made with "
                    + "different known ranges")
        }
        for index in counts.indices { counts[index] &+= other.counts[index] }
        outOfRange &+= other.outOfRange
    }

    /// numpy's float32 `linspace(first, last, bins + 1)`: each product and sum rounded to float32.
    ///
    /// A range wider than `Float.greatestFiniteMagnitude` (`[-3.4e38, 3.4e38]`) overflows the float32
    /// step to infinity and the first edge to NaN; such a range, where numpy's float32 arithmetic has
    /// nothing sensible to copy, takes its edges from double arithmetic instead.
    private static func linspace(from first: Float, to last: Float, bins: Int) -> [Float] {
        let step = (last - first) / Float(bins)
        guard step.isFinite else {
            let wideStep = (Double(last) - Double(first)) / Double(bins)
            var edges = (0...bins).map { Float(Double(first) + Double($0) * wideStep) }
            edges[bins] = last
            return edges
        }
        var edges = (0...bins).map { index -> Float in
            let offset = Float(index) * step
            return offset + first
        }
        edges[bins] = last
        return edges
    }

    /// The counters kept.
    public var storedCounterCount: Int { counts.count }

    /// Counts the finite values of `values`.
    mutating func add(_ values: UnsafeBufferPointer<Float>) {
        guard let first = edges.first, let last = edges.last else { return }
        // The guess may be one bin off; comparing with the float32 edges settles it as numpy does. It is
        // computed in double: in float32 a range near 1e-38 makes the scale infinite and a range near
        // 3.4e38 makes `value - first` infinite, and their product NaN, which no Int can hold.
        let width = Double(last) - Double(first)
        let scale = width > 0 && (Double(bins) / width).isFinite ? Double(bins) / width : 0
        let highest = Double(bins - 1)
        let magnitudes = countsMagnitudes
        var outside: UInt64 = 0
        edges.withUnsafeBufferPointer { edges in
            counts.withUnsafeMutableBufferPointer { counts in
                for raw in values where raw.isFinite {
                    let value = magnitudes ? abs(raw) : raw
                    if value < first || value > last { outside &+= 1 }
                    var index = Int(min(max((Double(value) - Double(first)) * scale, 0), highest))
                    while index > 0 && value < edges[index] { index -= 1 }
                    while index < counts.count - 1 && value >= edges[index + 1] { index += 1 }
                    counts[index] &+= 1
                }
            }
        }
        outOfRange &+= outside
    }

    /// The counts with their edges.
    var binned: BinnedCounts {
        BinnedCounts(counts: counts, edges: edges.map(Double.init))
    }
}
