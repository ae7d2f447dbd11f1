/// Why a layer or an activation is left unsmoothed, for the remark.
struct SmoothingRefusal: Error, CustomStringConvertible {
    /// The reason, a clause ("its weight is not 2-D").
    let description: String
    /// Whether the reason is a weight shared with other readers (counted apart in the statistics).
    let isSharedWeight: Bool

    /// A refusal for `reason`.
    init(_ reason: String) {
        description = reason
        isSharedWeight = false
    }

    private init(sharedWeight reason: String) {
        description = reason
        isSharedWeight = true
    }

    /// A refusal because the weight has other readers.
    static func sharedWeight(_ reason: String) -> SmoothingRefusal { SmoothingRefusal(sharedWeight: reason) }
}
