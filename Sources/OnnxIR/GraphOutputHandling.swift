/// What rewiring a value does where that value is an output of its own graph (the graph's interface).
public enum GraphOutputHandling {
    /// Throw `IRError.replacingGraphOutput`: the interface never changes by accident.
    case refuse
    /// Put the replacement in the output slots too.
    case rewire
    /// Keep the old value in the output slots; only readers move.
    case leave
}
