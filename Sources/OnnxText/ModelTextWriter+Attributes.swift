import OnnxIR

extension ModelTextWriter {
    /// Writes `name: type = value`; subgraphs put their nodes at `indent`.
    mutating func writeAttribute(_ attribute: Attribute, indent: Int, owner: String) throws {
        let name = TextSyntax.isIdentifier(attribute.name) ? attribute.name : TextSyntax.quoted(attribute.name)
        let type = attribute.value.attributeType
        let annotation = type == .undefined ? "" : ": " + type.name
        text.append(name + annotation + " = ")
        if let reference = attribute.refAttrName {
            text.append("@" + TextSyntax.name(reference))
            return
        }
        let label = "attribute '\(attribute.name)' of node '\(owner)'"
        let context = "\(attribute.name) of node \(owner)"
        switch attribute.value {
        case .float(let value): text.append(TextSyntax.text(value))
        case .int(let value): text.append(String(value))
        case .string(let bytes): text.append(TextSyntax.quoted(bytes: bytes))
        case .floats(let values): text.append("[" + values.map(TextSyntax.text).joined(separator: ", ") + "]")
        case .ints(let values): text.append("[" + values.map(String.init).joined(separator: ", ") + "]")
        case .strings(let values):
            text.append("[" + values.map(TextSyntax.quoted(bytes:)).joined(separator: ", ") + "]")
        case .tensor(let tensor): text.append(try attributeTensor(tensor, context: context))
        case .tensors(let tensors):
            var texts: [String] = []
            for tensor in tensors { texts.append(try attributeTensor(tensor, context: context)) }
            text.append("[" + texts.joined(separator: ", ") + "]")
        case .graph(let graph):
            try writeGraph(graph, name: TextSyntax.subgraphName(graph.name, fallback: attribute.name), indent: indent)
        case .graphs(let graphs):
            text.append("[")
            for (index, graph) in graphs.enumerated() {
                if index > 0 { text.append(", ") }
                let name = TextSyntax.subgraphName(graph.name, fallback: "\(attribute.name)_\(index)")
                try writeGraph(graph, name: name, indent: indent)
            }
            text.append("]")
        case .type(let valueType): text.append(try Self.typeText(valueType, label: label))
        case .types(let types):
            text.append("[" + (try types.map { try Self.typeText($0, label: label) }).joined(separator: ", ") + "]")
        case .sparseTensor, .sparseTensors:
            throw TextPrintError.unsupported("\(label) holds sparse tensors, which the syntax cannot write")
        case .valueless:
            throw TextPrintError.unsupported("\(label) has no value and refers to no function attribute")
        }
    }

    private static func typeText(_ type: ValueType, label: String) throws -> String {
        guard let text = TypeTextEncoder.text(type) else {
            throw TextPrintError.unsupported("\(label) holds a type the syntax cannot write")
        }
        return text
    }

    /// `float[2] name {1, 2}` or `float[2] = [external data]`.
    ///
    /// onnx's parser reads a tensor in an attribute only after a bare name, `{` or `=`,
    /// so names that need quotes are left out (a tensor attribute's name carries no meaning).
    private mutating func attributeTensor(_ tensor: Tensor, context: String) throws -> String {
        let tensorName = tensor.name ?? ""
        let label = tensorName.isEmpty ? context : tensorName
        var result = try Self.tensorTypeText(tensor, label: label)
        if TextSyntax.isIdentifier(tensorName) { result.append(" " + tensorName) }
        let data = try tensorData(tensor, label: label)
        result.append(data.isReference ? " = " : " ")
        result.append(data.text)
        return result
    }
}
