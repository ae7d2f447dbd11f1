/// The values visible at one point of a graph: those defined so far in it and in the graphs around it.
///
/// A chain of scopes rather than one set copied into every nested graph, so a model with many
/// subgraphs is verified in time linear in its size.
final class VisibleValues {
    private var defined = Set<ObjectIdentifier>()
    private let outer: VisibleValues?

    /// A scope inside `outer` (nil for a top-level graph); `initial` are values visible from outside all scopes.
    init(outer: VisibleValues?, initial: Set<ObjectIdentifier> = []) {
        self.outer = outer
        self.defined = initial
    }

    /// Makes `value` visible here; false if it already was, in this scope.
    @discardableResult
    func insert(_ value: Value) -> Bool { defined.insert(ObjectIdentifier(value)).inserted }

    /// Whether `value` is visible here or in an enclosing scope.
    func contains(_ value: Value) -> Bool {
        let identifier = ObjectIdentifier(value)
        var scope: VisibleValues? = self
        while let current = scope {
            if current.defined.contains(identifier) { return true }
            scope = current.outer
        }
        return false
    }
}
