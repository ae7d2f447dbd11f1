import OnnxIR

/// One tensor a running graph produced, as shown to a `TensorObserver`.
public struct ObservedTensor {
    /// The name of the value.
    public let name: String
    /// The value in the IR.
    public let value: Value
    /// The node that produced it; nil for a graph input.
    public let node: Node?
    /// The elements. Valid for the duration of the call; copy what you need, since the
    /// executor frees the tensor after its last use (holding it only delays that).
    public let array: NDArray
    /// 0 for the main graph, 1 inside an If, Loop or Scan body of it, and so on.
    public let depth: Int

    /// The same tensor shown under another name (a body value's scoped name, say).
    public func renamed(_ newName: String) -> ObservedTensor {
        ObservedTensor(name: newName, value: value, node: node, array: array, depth: depth)
    }
}
