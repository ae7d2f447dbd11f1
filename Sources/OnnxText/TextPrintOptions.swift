/// How `TextPrinter` writes a model.
public struct TextPrintOptions: Hashable, Sendable {
    /// What happens to tensors with more than `largeTensorThreshold` elements.
    public var largeTensors: LargeTensorMode
    /// The element count above which a tensor counts as large.
    public var largeTensorThreshold: Int

    /// Creates options; by default tensors of more than 64 elements are elided.
    public init(largeTensors: LargeTensorMode = .elide, largeTensorThreshold: Int = 64) {
        self.largeTensors = largeTensors
        self.largeTensorThreshold = largeTensorThreshold
    }
}
