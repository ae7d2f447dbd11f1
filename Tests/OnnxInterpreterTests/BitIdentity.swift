/// Bit-for-bit comparison of float results (any NaN equals any NaN: payloads are not compared).
enum BitIdentity {
    /// The first index where `a` and `b` differ in their bits, or nil when they agree.
    static func firstDifference(_ a: [Float], _ b: [Float]) -> Int? {
        guard a.count == b.count else { return min(a.count, b.count) }
        return a.indices.first { a[$0].bitPattern != b[$0].bitPattern && !(a[$0].isNaN && b[$0].isNaN) }
    }
}
