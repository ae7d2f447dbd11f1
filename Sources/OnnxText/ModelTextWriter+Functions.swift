import OnnxIR

extension ModelTextWriter {
    /// Writes `<domain, opset_import, ...> name <attributes> (inputs) => (outputs) <value_info> { nodes }`.
    mutating func writeFunction(_ function: Function) throws {
        let label = function.name ?? "<unnamed>"
        if !function.body.initializers.isEmpty || !function.body.sparseInitializers.isEmpty {
            throw TextPrintError.unsupported("function '\(label)' has initializers, which functions cannot hold")
        }
        var header: [String] = []
        if let domain = function.domain { header.append("domain: " + TextSyntax.quoted(domain)) }
        if let overload = function.overload { header.append("overload: " + TextSyntax.quoted(overload)) }
        header.append("opset_import: " + Self.opsetList(function.opsetImports))
        if let doc = function.docString { header.append("doc_string: " + TextSyntax.quoted(doc)) }
        text.append("<\n   " + header.joined(separator: ",\n   ") + "\n>\n")
        text.append(TextSyntax.name(function.name ?? ""))
        if !function.attributeNames.isEmpty || !function.attributeDefaults.isEmpty {
            text.append(" <" + function.attributeNames.map(TextSyntax.name).joined(separator: ", "))
            for (index, attribute) in function.attributeDefaults.enumerated() {
                if index > 0 || !function.attributeNames.isEmpty { text.append(", ") }
                try writeAttribute(attribute, indent: 6, owner: "function " + label)
            }
            text.append(">")
        }
        text.append(" (" + function.body.inputs.map(Self.declaration).joined(separator: ", ") + ")")
        text.append(" => (" + function.body.outputs.map(Self.declaration).joined(separator: ", ") + ")")
        if !function.body.valueInfo.isEmpty {
            text.append("\n   <" + function.body.valueInfo.map(Self.declaration).joined(separator: ",\n    ") + ">")
        }
        text.append("\n{\n")
        for node in function.body.nodes {
            try writeNode(node, indent: 3)
        }
        text.append("}")
    }
}
