/// One name per value of a model, unambiguous across the bodies of If, Loop and Scan nodes.
///
/// ONNX lets the two branches of an `If` (or the bodies of two nodes) define values of the same name, so a
/// value's own name does not say which tensor a calibration range or a report line is about. A main-graph value
/// keeps its name; a value defined in a body (its inputs, initializers and node outputs) is named by the path to
/// it: for each control-flow node around it, the node's name (its first output's name when it has none) and the
/// attribute holding the body, then the value's own name, joined by `|`:
///
///     vad_if|then_branch|lstm_out          (a value of the then branch of If 'vad_if')
///     decode|body|step_if|else_branch|y    (an If nested in the body of Loop 'decode')
///
/// Values of the main graph read by a body (captures) keep their main-graph name. Two values never share a
/// name: building refuses a model where they would (a name containing `|` could make a path collide).
public struct ScopedValueNames {
    /// What joins the parts of a body value's name.
    public static let separator = "|"

    private var names: [ObjectIdentifier: String] = [:]
    /// The body values in graph order (bodies in node order, depth first), with their graphs' paths.
    public private(set) var bodyValues: [(value: Value, name: String)] = []

    /// Names every value `graph` and the graphs nested in it define; throws when two would share a name.
    public init(graph: Graph) throws {
        var owners: [String: Value] = [:]
        try add(graph, prefix: nil, owners: &owners)
    }

    /// The scoped name of `value`, or nil for a value this model does not define (a function body's).
    public subscript(_ value: Value) -> String? { names[ObjectIdentifier(value)] }

    /// The scoped name of `value`, its own name for a value of no graph of this model.
    public func name(of value: Value) -> String { names[ObjectIdentifier(value)] ?? value.name }

    /// Whether `name` names a body value (it has a body path).
    public static func isBodyValueName(_ name: String) -> Bool { name.contains(separator) }

    /// The path prefix of a body: the node holding it and the attribute naming it, after the path around it.
    public static func bodyPrefix(of node: Node, attribute: String, outer: String?) -> String {
        let nodeName = node.name.flatMap { $0.isEmpty ? nil : $0 } ?? node.outputs.compactMap { $0?.name }.first ?? "?"
        return (outer.map { $0 + separator } ?? "") + nodeName + separator + attribute + separator
    }

    private mutating func add(_ graph: Graph, prefix: String?, owners: inout [String: Value]) throws {
        for value in graph.definedValues() {
            let name = (prefix ?? "") + value.name
            if let other = owners[name], other !== value {
                throw IRError.invalidModel(
                    "two values are both '\(name)' once body paths are added (a name holding '\(Self.separator)'?); "
                        + "rename one")
            }
            owners[name] = value
            names[ObjectIdentifier(value)] = name
            if prefix != nil { bodyValues.append((value, name)) }
        }
        for node in graph.nodes {
            for attribute in node.attributes {
                for body in attribute.subgraphs {
                    let path = Self.bodyPrefix(
                        of: node, attribute: attribute.name, outer: prefix.map { String($0.dropLast()) })
                    try add(body, prefix: path, owners: &owners)
                }
            }
        }
    }
}
