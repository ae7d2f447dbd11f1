/// The `segment` of a tensor that was split across several messages.
public struct TensorSegment: Hashable, Sendable {
    /// First element index, if written.
    public var begin: Int64?
    /// One past the last element index, if written.
    public var end: Int64?

    /// Creates a segment.
    public init(begin: Int64?, end: Int64?) {
        self.begin = begin
        self.end = end
    }
}
