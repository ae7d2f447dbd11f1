/// A use held without keeping its node alive (nodes own their inputs, not the reverse).
struct WeakNodeUse {
    weak var node: Node?
    let inputIndex: Int
}
