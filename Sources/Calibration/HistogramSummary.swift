/// What a table records about the histogram behind a percentile, entropy or MSE result.
public struct HistogramSummary: Equatable, Sendable {
    /// How the histogram's bins were laid out.
    public enum Grid: String, Equatable, Sendable {
        /// A `StreamingHistogram`: power-of-two bin width, grown as data arrived.
        case streaming
        /// A `FixedRangeHistogram` over a range known in advance.
        case knownRange = "known-range"
    }

    /// The grid kind.
    public var grid: Grid
    /// The width of one bin.
    public var binWidth: Double
    /// The number of counters kept.
    public var binCount: Int
    /// The lowest value the bins cover.
    public var lowerEdge: Double
    /// The highest value the bins cover.
    public var upperEdge: Double
    /// Values outside `[lowerEdge, upperEdge]` (only a known-range grid can have them).
    public var outOfRange: Int

    /// Creates a summary.
    public init(grid: Grid, binWidth: Double, binCount: Int, lowerEdge: Double, upperEdge: Double, outOfRange: Int) {
        self.grid = grid
        self.binWidth = binWidth
        self.binCount = binCount
        self.lowerEdge = lowerEdge
        self.upperEdge = upperEdge
        self.outOfRange = outOfRange
    }

    /// The summary of a streaming histogram.
    init(_ histogram: StreamingHistogram) {
        let reach = histogram.binWidth * Double(histogram.binsPerSide)
        self.init(
            grid: .streaming, binWidth: histogram.binWidth, binCount: histogram.storedCounterCount,
            lowerEdge: -reach, upperEdge: reach, outOfRange: 0)
    }

    /// The summary of a known-range histogram.
    init(_ histogram: FixedRangeHistogram) {
        let lower = Double(histogram.edges.first ?? 0)
        let upper = Double(histogram.edges.last ?? 0)
        self.init(
            grid: .knownRange, binWidth: (upper - lower) / Double(histogram.bins), binCount: histogram.bins,
            lowerEdge: lower, upperEdge: upper, outOfRange: Int(clamping: histogram.outOfRange))
    }
}
