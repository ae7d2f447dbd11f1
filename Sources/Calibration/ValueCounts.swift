/// How many values of each kind an observer has seen.
///
/// Only finite values shape a range; NaN and infinities are counted here and otherwise ignored.
public struct ValueCounts: Equatable, Sendable {
    /// Calls to `observe`: one per tensor value, that is one per sample (or batch) the model ran on.
    public var batches: Int
    /// Finite values.
    public var finite: Int
    /// NaN values (ignored).
    public var nan: Int
    /// +Inf values (ignored).
    public var positiveInfinity: Int
    /// -Inf values (ignored).
    public var negativeInfinity: Int

    /// Creates counts; all zero by default.
    public init(batches: Int = 0, finite: Int = 0, nan: Int = 0, positiveInfinity: Int = 0, negativeInfinity: Int = 0) {
        self.batches = batches
        self.finite = finite
        self.nan = nan
        self.positiveInfinity = positiveInfinity
        self.negativeInfinity = negativeInfinity
    }

    /// Values that were not finite, and so did not count towards the range.
    public var ignored: Int { nan + positiveInfinity + negativeInfinity }

    /// Adds another set of counts to this one.
    mutating func add(_ other: ValueCounts) {
        batches += other.batches
        finite += other.finite
        nan += other.nan
        positiveInfinity += other.positiveInfinity
        negativeInfinity += other.negativeInfinity
    }
}
