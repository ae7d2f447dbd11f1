/// The uses of values, indexed on first look so that checking one node input against its value's uses
/// takes constant time.
///
/// `Value.uses` builds a fresh array on every call; asking it once per node input made verifying a
/// value with n readers (or one Concat reading a value n times) take n² steps.
struct UseIndex {
    private struct Key: Hashable {
        let node: ObjectIdentifier
        let inputIndex: Int
    }

    private var keys: [ObjectIdentifier: Set<Key>] = [:]

    /// Whether input slot `inputIndex` of `node` is among the recorded uses of `value`.
    mutating func contains(_ value: Value, node: Node, inputIndex: Int) -> Bool {
        let identifier = ObjectIdentifier(value)
        if let known = keys[identifier] {
            return known.contains(Key(node: ObjectIdentifier(node), inputIndex: inputIndex))
        }
        var built = Set<Key>(minimumCapacity: value.weakUses.count)
        for use in value.weakUses {
            if let user = use.node { built.insert(Key(node: ObjectIdentifier(user), inputIndex: use.inputIndex)) }
        }
        keys[identifier] = built
        return built.contains(Key(node: ObjectIdentifier(node), inputIndex: inputIndex))
    }
}
