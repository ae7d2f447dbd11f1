/// Why a layer or an activation is left unsmoothed, for the remark.
struct SmoothingRefusal: Error, CustomStringConvertible {
    /// The reason, a clause ("its weight is not 2-D").
    let description: String
    /// Whether the reason is a weight shared with other readers (counted apart in the statistics).
    let isSharedWeight: Bool
    /// Channels that would have to share one factor for the plan to go on (an `Expand` copying one value to
    /// each channel of a class), when the factors were channel numbers; empty otherwise.
    let ties: [[Int]]

    /// A refusal for `reason`, with the channel classes that would lift it.
    init(_ reason: String, ties: [[Int]] = []) {
        description = reason
        isSharedWeight = false
        self.ties = ties
    }

    private init(sharedWeight reason: String) {
        description = reason
        isSharedWeight = true
        ties = []
    }

    /// A refusal because the weight has other readers.
    static func sharedWeight(_ reason: String) -> SmoothingRefusal { SmoothingRefusal(sharedWeight: reason) }
}
