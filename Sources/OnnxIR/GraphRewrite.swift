/// Changes to one graph that happen together or not at all: `Graph.apply(_:)` checks every step against the
/// state the whole rewrite leads to, and only then changes anything.
///
/// Steps take effect in this order, whatever order they were recorded in:
/// rewiring (`replaceAllUses`, `redirect`, `takeOver`) in the order recorded;
/// insertions and new initializers; removals of nodes and initializers;
/// renames, with each `takeOver` giving the new value the old one's name,
/// type, documentation and `value_info` entry. So a replacement can be
/// inserted, take its readers, and the replaced nodes can go, in one step
/// that either happens whole or leaves the graph exactly as it was. Nodes
/// created for the rewrite already read their inputs, so rewiring a value
/// also rewires them unless they are listed in `except`.
public struct GraphRewrite {
    enum Placement {
        case end
        case before(Node)
        case after(Node)
    }

    enum Wiring {
        case replace(old: Value, new: Value, graphOutputs: GraphOutputHandling, except: [Node])
        case redirect(node: Node, index: Int, value: Value)
    }

    struct TakeOver {
        let old: Value
        let new: Value
        let renamingOld: String?
    }

    private(set) var insertions: [(node: Node, placement: Placement)] = []
    private(set) var addedInitializers: [Value] = []
    private(set) var wiring: [Wiring] = []
    private(set) var takeOvers: [TakeOver] = []
    private(set) var removedNodes: [Node] = []
    private(set) var removedInitializers: [Value] = []
    private(set) var renames: [(value: Value, name: String)] = []

    /// Creates an empty rewrite.
    public init() {}

    /// Appends `node` (in no graph yet) at the end of the graph.
    public mutating func append(_ node: Node) { insertions.append((node, .end)) }

    /// Inserts `node` just before `anchor`, a node of the graph or one this rewrite inserts earlier.
    public mutating func insert(_ node: Node, before anchor: Node) { insertions.append((node, .before(anchor))) }

    /// Inserts `node` just after `anchor`, a node of the graph or one this rewrite inserts earlier.
    public mutating func insert(_ node: Node, after anchor: Node) { insertions.append((node, .after(anchor))) }

    /// A new initializer named `name` holding `tensor`; the value exists at once, the graph gets it on `apply`.
    public mutating func addInitializer(_ tensor: Tensor, name: String) -> Value {
        let value = Value(name: name)
        value.initializer = tensor
        value.type = .tensor(tensor.dataType, Shape(static: tensor.dims))
        addedInitializers.append(value)
        return value
    }

    /// Makes every reader of `old` read `new`: node inputs (nested graphs' included) but those of `except`, and
    /// nested graphs' output slots; `graphOutputs` says what happens where `old` is its own graph's output.
    public mutating func replaceAllUses(
        of old: Value, with new: Value, graphOutputs: GraphOutputHandling = .refuse, except: [Node] = []
    ) {
        wiring.append(.replace(old: old, new: new, graphOutputs: graphOutputs, except: except))
    }

    /// Connects input `index` of `node` to `value`.
    public mutating func redirect(_ node: Node, input index: Int, to value: Value) {
        wiring.append(.redirect(node: node, index: index, value: value))
    }

    /// Puts `new` in `old`'s place: its readers, its output slots, its name, its declared type, documentation,
    /// metadata and `value_info` entry.
    ///
    /// `old` must then be removed by this rewrite (with its producer) or,
    /// with `renamingOld`, keep living under that name. Keeping the old name
    /// keeps graph outputs (the model's interface) and the names later nodes
    /// read unchanged.
    public mutating func takeOver(_ old: Value, by new: Value, renamingOld: String? = nil) {
        wiring.append(.replace(old: old, new: new, graphOutputs: .rewire, except: []))
        takeOvers.append(TakeOver(old: old, new: new, renamingOld: renamingOld))
    }

    /// Removes `node`, a node of the graph; once the rewiring is done nothing outside the removed nodes may
    /// read its outputs.
    public mutating func remove(_ node: Node) { removedNodes.append(node) }

    /// Removes an initializer of the graph that nothing reads once the rewiring is done.
    public mutating func removeInitializer(_ value: Value) { removedInitializers.append(value) }

    /// Renames `value`; the name must be free once the whole rewrite is done.
    public mutating func rename(_ value: Value, to name: String) { renames.append((value, name)) }
}
