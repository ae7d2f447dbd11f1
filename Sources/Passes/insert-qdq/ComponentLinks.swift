/// Groups items into connected components as links between them arrive (union–find).
struct ComponentLinks {
    private var parent: [ObjectIdentifier: ObjectIdentifier] = [:]

    /// Puts `first` and `second` in one component.
    mutating func link(_ first: ObjectIdentifier, _ second: ObjectIdentifier) {
        let a = root(first)
        let b = root(second)
        if a != b { parent[a] = b }
    }

    /// The representative of the component holding `item` (the item itself when it was never linked).
    func root(_ item: ObjectIdentifier) -> ObjectIdentifier {
        var current = item
        while let next = parent[current] { current = next }
        return current
    }
}
