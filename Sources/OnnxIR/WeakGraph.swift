/// A graph held without keeping it alive: a value records the output lists it appears in this way.
struct WeakGraph {
    weak var graph: Graph?
}
