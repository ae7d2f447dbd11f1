import Quantization

/// The quantization parameters a model brought with it: what `import-qdq` read from the pairs it took out,
/// for `insert-qdq` to keep where the target places a pair again.
public struct ForeignQuantization: Sendable, Equatable {
    /// One tensor's parameters and where they came from.
    public struct Entry: Sendable, Equatable {
        /// The float tensor the pair quantized (an activation, or a constant: a weight or a bias).
        public var tensor: String
        /// The node the parameters were read from (the QuantizeLinear, or the DequantizeLinear of a constant).
        public var node: String
        /// The scales and zero points, with their format and granularity.
        public var params: QuantParamSet
        /// Whether the tensor is a constant (a weight or a bias) rather than an activation.
        public var isConstant: Bool

        /// Creates an entry.
        public init(tensor: String, node: String, params: QuantParamSet, isConstant: Bool) {
            self.tensor = tensor
            self.node = node
            self.params = params
            self.isConstant = isConstant
        }
    }

    /// The entries by tensor name.
    public private(set) var entries: [String: Entry] = [:]
    /// The tensor names in the order the pairs were read (graph order).
    public private(set) var order: [String] = []

    /// Creates an empty record.
    public init() {}

    /// Records `entry`, replacing an earlier one for the same tensor.
    public mutating func record(_ entry: Entry) {
        if entries[entry.tensor] == nil { order.append(entry.tensor) }
        entries[entry.tensor] = entry
    }

    /// The entry of `tensor`, if the model quantized it.
    public subscript(tensor: String) -> Entry? { entries[tensor] }

    /// Whether nothing was recorded.
    public var isEmpty: Bool { entries.isEmpty }
}
