/// Why `quantize-weights` stopped: one line naming the pass, the weight, node or option.
public struct QuantizeWeightsError: Error, Equatable, CustomStringConvertible {
    /// The message.
    public var description: String

    /// Wraps a message.
    public init(_ description: String) { self.description = description }
}
