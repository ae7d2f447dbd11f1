/// A failed IR operation or a model that breaks the IR's rules; each names what is wrong.
public enum IRError: Error, Equatable, CustomStringConvertible {
    /// A node input names a value that is not defined in scope.
    case undefinedValue(name: String, node: String)
    /// A graph output names a value that is not defined.
    case undefinedOutput(name: String, graph: String)
    /// Two definitions of one name in one graph.
    case duplicateDefinition(name: String, graph: String)
    /// A node uses a value defined after it.
    case notTopologicallySorted(node: String, value: String)
    /// A node's domain has no opset import.
    case missingOpsetImport(domain: String, node: String)
    /// Removing a node whose outputs are still used.
    case nodeStillUsed(node: String, value: String, user: String)
    /// Removing a node whose output is a graph output.
    case nodeDefinesGraphOutput(node: String, value: String)
    /// `replaceAllUses` on a graph output, which would silently rewire it.
    case replacingGraphOutput(value: String)
    /// A node is not in the graph the operation was asked of.
    case nodeNotInGraph(node: String)
    /// A node is already in a graph.
    case nodeAlreadyInGraph(node: String)
    /// Removing a value a nested graph still names as its output.
    case capturedByNestedGraph(value: String, graph: String)
    /// A renaming or a new value would give a name that a value already has.
    case nameTaken(name: String, graph: String)
    /// A value is not defined in the graph the operation was asked of.
    case valueNotInGraph(value: String)
    /// Rewiring a reader to a value it cannot see (defined in no graph around the reader).
    case notVisible(value: String, reader: String)
    /// A rewrite whose steps contradict each other or the graph.
    case invalidRewrite(String)
    /// A use list disagrees with the nodes' inputs (a bug in a pass).
    case inconsistentUses(value: String, reason: String)
    /// An external-data tensor whose bytes cannot be read.
    case externalDataUnavailable(tensor: String, location: String)
    /// A tensor whose fields do not fit together.
    case invalidTensor(tensor: String, reason: String)
    /// Something else wrong with the model.
    case invalidModel(String)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .undefinedValue(let name, let node):
            return "node '\(node)' uses value '\(name)', which is not defined"
        case .undefinedOutput(let name, let graph):
            return "graph '\(graph)' output '\(name)' is not defined"
        case .duplicateDefinition(let name, let graph):
            return "value '\(name)' is defined more than once in graph '\(graph)'"
        case .notTopologicallySorted(let node, let value):
            return "node '\(node)' uses value '\(value)' before the node that defines it"
        case .missingOpsetImport(let domain, let node):
            return "node '\(node)' uses domain '\(domain)', which the model does not import (opset_import)"
        case .nodeStillUsed(let node, let value, let user):
            return "cannot remove node '\(node)': its output '\(value)' is still used by '\(user)'"
        case .nodeDefinesGraphOutput(let node, let value):
            return "cannot remove node '\(node)': its output '\(value)' is a graph output"
        case .replacingGraphOutput(let value):
            return "cannot replace uses of '\(value)': it is a graph output (rename or rewire the output explicitly)"
        case .nodeNotInGraph(let node):
            return "node '\(node)' is not in this graph"
        case .nodeAlreadyInGraph(let node):
            return "node '\(node)' is already in a graph"
        case .capturedByNestedGraph(let value, let graph):
            return "cannot remove '\(value)': nested graph '\(graph)' names it as its output"
        case .nameTaken(let name, let graph):
            return "name '\(name)' is already taken in graph '\(graph)' or a graph around or inside it"
        case .valueNotInGraph(let value):
            return "value '\(value)' is not defined in this graph"
        case .notVisible(let value, let reader):
            return "cannot make '\(reader)' read '\(value)': the value is not defined in a graph around the reader"
        case .invalidRewrite(let reason):
            return "invalid graph rewrite: \(reason)"
        case .inconsistentUses(let value, let reason):
            return "use list of '\(value)' is inconsistent: \(reason)"
        case .externalDataUnavailable(let tensor, let location):
            return "tensor '\(tensor)': external data '\(location)' cannot be read (no model folder known)"
        case .invalidTensor(let tensor, let reason):
            return "tensor '\(tensor)': \(reason)"
        case .invalidModel(let reason):
            return reason
        }
    }
}
