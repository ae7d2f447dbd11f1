/// Why the interpreter could not prepare or run a model; each names the operator, node or tensor.
public enum InterpreterError: Error, Equatable, CustomStringConvertible {
    /// A node whose operator (or operator version) has no kernel.
    case unsupportedOperator(opType: String, domain: String, version: Int64?, node: String, model: String)
    /// A node whose attributes break the operator's rules.
    case invalidNode(node: String, opType: String, reason: String)
    /// A kernel was handed tensors it cannot run on: bad shapes, out-of-range indices, NaN indices, ...
    case kernelFailed(node: String, opType: String, reason: String)
    /// A form of an operator the interpreter refuses at run time (training-mode randomness, ...).
    case unsupportedFeature(node: String, opType: String, reason: String)
    /// A kernel was handed an element type it does not implement.
    case unsupportedDataType(node: String, opType: String, reason: String)
    /// A graph input the caller did not give.
    case missingInput(name: String, model: String)
    /// A given input the graph does not have.
    case unknownInput(name: String, model: String)
    /// A given input whose element type or shape does not fit the graph's declaration.
    case inputMismatch(name: String, model: String, reason: String)
    /// A tensor the interpreter cannot hold (string elements, impossible sizes, wrong byte counts).
    case unsupportedTensor(name: String, reason: String)
    /// A graph that cannot be scheduled (a cycle, an undefined value, an output nothing produces).
    case invalidGraph(graph: String, reason: String)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .unsupportedOperator(let opType, let domain, let version, let node, let model):
            let qualified = domain.isEmpty ? opType : "\(domain).\(opType)"
            let versionText = version.map { " (opset \($0))" } ?? ""
            return "model '\(model)': node '\(node)': operator \(qualified)\(versionText) is not supported"
        case .invalidNode(let node, let opType, let reason):
            return "node '\(node)' (\(opType)): \(reason)"
        case .kernelFailed(let node, let opType, let reason):
            return "node '\(node)' (\(opType)): \(reason)"
        case .unsupportedFeature(let node, let opType, let reason):
            return "node '\(node)' (\(opType)): not supported: \(reason)"
        case .unsupportedDataType(let node, let opType, let reason):
            return "node '\(node)' (\(opType)): unsupported element type: \(reason)"
        case .missingInput(let name, let model):
            return "model '\(model)': input '\(name)' is missing"
        case .unknownInput(let name, let model):
            return "model '\(model)': given input '\(name)' is not an input of the graph"
        case .inputMismatch(let name, let model, let reason):
            return "model '\(model)': input '\(name)': \(reason)"
        case .unsupportedTensor(let name, let reason):
            return name.isEmpty ? "tensor: \(reason)" : "tensor '\(name)': \(reason)"
        case .invalidGraph(let graph, let reason):
            return "graph '\(graph)': \(reason)"
        }
    }
}
