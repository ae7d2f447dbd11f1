/// One place a value is a graph's output: the graph and the slot in its `outputs`.
///
/// A nested graph (an If branch, a Loop or Scan body) may name a value of a
/// graph around it as its output; that capture is a use of the value as much
/// as a node input is.
public struct GraphOutputUse {
    /// The graph whose output list holds the value.
    public let graph: Graph
    /// The index in `graph.outputs`.
    public let index: Int
}
