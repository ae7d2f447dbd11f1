/// Why a rewriting pass left a node as it was, for its remark.
struct FoldRefusal: Error, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The reason, phrased to follow "because".
    let reason: String

    init(_ reason: String) { self.reason = reason }

    init(stringLiteral value: String) { self.reason = value }

    var description: String { reason }
}
