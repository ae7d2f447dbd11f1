/// One place a value is consumed: a node and the input slot.
public struct Use {
    /// The consuming node.
    public let node: Node
    /// The index in `node.inputs`.
    public let inputIndex: Int
}
