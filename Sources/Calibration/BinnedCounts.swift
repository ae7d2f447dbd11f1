/// Counts over consecutive bins with explicit edges: bin `i` lies between `edges[i]` and `edges[i+1]`.
struct BinnedCounts: Equatable {
    /// One count per bin.
    var counts: [UInt64]
    /// `counts.count + 1` ascending edges.
    var edges: [Double]

    /// The sum of all counts.
    var total: UInt64 { counts.reduce(0, &+) }
}
