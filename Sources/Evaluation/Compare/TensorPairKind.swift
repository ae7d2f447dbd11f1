/// What a matched tensor pair is in the model.
public enum TensorPairKind: String, Sendable, Codable, Equatable {
    /// A tensor computed at run time (or a graph input) whose stand-in passes through Q/DQ.
    case activation
    /// A constant (initializer or Constant node output) stored quantized and dequantized at run time.
    case weight
    /// A graph output of both models; compared even without a Q/DQ pair in front of it.
    case output
}
