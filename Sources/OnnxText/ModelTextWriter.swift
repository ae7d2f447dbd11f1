import Foundation
import OnnxIR

/// Accumulates the text, and the sidecar bytes, of one printed model or graph.
///
/// The layout follows onnx's printer (3-space indentation, attributes after the
/// inputs of nodes that hold subgraphs) with each initializer on its own line.
struct ModelTextWriter {
    let options: TextPrintOptions
    var text = ""
    var sidecar = Data()
    var wroteSidecar = false

    init(options: TextPrintOptions) { self.options = options }

    /// What was written.
    var result: PrintedModel { PrintedModel(text: text, sidecar: wroteSidecar ? sidecar : nil) }

    // MARK: - Model

    mutating func writeModel(_ model: Model) throws {
        if !model.trainingInfo.isEmpty {
            throw TextPrintError.unsupported("the model has training_info, which the textual syntax cannot hold")
        }
        writeModelHeader(model)
        try writeGraph(model.graph, name: TextSyntax.name(model.graph.name ?? ""), indent: 3)
        text.append("\n")
        for function in model.functions {
            text.append("\n")
            try writeFunction(function)
            text.append("\n")
        }
    }

    private mutating func writeModelHeader(_ model: Model) {
        var entries: [String] = []
        if let irVersion = model.irVersion { entries.append("ir_version: \(irVersion)") }
        entries.append("opset_import: " + Self.opsetList(model.opsetImports))
        if let producer = model.producerName { entries.append("producer_name: " + TextSyntax.quoted(producer)) }
        if let version = model.producerVersion {
            entries.append("producer_version: " + TextSyntax.quoted(version))
        }
        if let domain = model.domain { entries.append("domain: " + TextSyntax.quoted(domain)) }
        if let version = model.modelVersion { entries.append("model_version: \(version)") }
        if let doc = model.docString { entries.append("doc_string: " + TextSyntax.quoted(doc)) }
        if !model.metadataProps.isEmpty { entries.append("metadata_props: " + Self.keyValueList(model.metadataProps)) }
        text.append("<\n   " + entries.joined(separator: ",\n   ") + "\n>\n")
    }

    static func opsetList(_ imports: [OpsetImport]) -> String {
        "[" + imports.map { TextSyntax.quoted($0.domain) + " : \($0.version)" }.joined(separator: ", ") + "]"
    }

    static func keyValueList(_ entries: [KeyValue]) -> String {
        "[" + entries.map { TextSyntax.quoted($0.key) + ": " + TextSyntax.quoted($0.value) }.joined(separator: ", ")
            + "]"
    }

    // MARK: - Graphs

    /// Writes `name (inputs) => (outputs) <initializers, value_info> { nodes }`; nodes go at `indent`.
    mutating func writeGraph(_ graph: Graph, name: String, indent: Int) throws {
        if let sparse = graph.sparseInitializers.first {
            throw TextPrintError.unsupported(
                "graph '\(graph.displayName)' has sparse initializer '\(sparse.name)'; the syntax has no sparse tensors"
            )
        }
        text.append(name)
        text.append(" (" + graph.inputs.map(Self.declaration).joined(separator: ", ") + ")")
        text.append(" => (" + graph.outputs.map(Self.declaration).joined(separator: ", ") + ")")
        var entries: [String] = []
        for value in graph.initializers {
            entries.append(try initializerEntry(value))
        }
        entries.append(contentsOf: graph.valueInfo.map(Self.declaration))
        let pad = String(repeating: " ", count: indent)
        let closingPad = String(repeating: " ", count: max(indent - 3, 0))
        if entries.isEmpty {
            text.append(" {\n")
        } else {
            text.append("\n" + pad + "<" + entries.joined(separator: ",\n" + pad + " ") + ">\n" + closingPad + "{\n")
        }
        for node in graph.nodes {
            try writeNode(node, indent: indent)
        }
        text.append(closingPad + "}")
    }

    /// `float[N,3] x`, or just `x` when the type is unknown or cannot be written.
    static func declaration(_ value: Value) -> String {
        guard let type = value.type, let typeText = TypeTextEncoder.text(type) else {
            return TextSyntax.name(value.name)
        }
        return typeText + " " + TextSyntax.name(value.name)
    }

    private mutating func initializerEntry(_ value: Value) throws -> String {
        guard let tensor = value.initializer else { return Self.declaration(value) }
        let typeText = try Self.tensorTypeText(tensor, label: value.name)
        let data = try tensorData(tensor, label: value.name)
        return typeText + " " + TextSyntax.name(value.name) + " = " + data.text
    }

    static func tensorTypeText(_ tensor: Tensor, label: String) throws -> String {
        guard let text = TypeTextEncoder.tensorText(tensor.dataType, dims: tensor.dims) else {
            throw TextPrintError.unsupported("tensor '\(label)' has element type \(tensor.dataType)")
        }
        return text
    }

    // MARK: - Nodes

    mutating func writeNode(_ node: Node, indent: Int) throws {
        text.append(String(repeating: " ", count: indent))
        if let name = node.name { text.append("[" + TextSyntax.name(name) + "] ") }
        if !node.outputs.isEmpty {
            text.append(node.outputs.map { TextSyntax.name($0?.name ?? "") }.joined(separator: ", ") + " ")
        }
        text.append("= " + Self.operatorText(node))
        let holdsGraphs = node.attributes.contains { !$0.subgraphs.isEmpty }
        if !holdsGraphs { try writeAttributes(of: node, indent: indent) }
        text.append(" (" + node.inputs.map { TextSyntax.name($0?.name ?? "") }.joined(separator: ", ") + ")")
        if holdsGraphs { try writeAttributes(of: node, indent: indent) }
        text.append("\n")
    }

    /// `domain.Op:overload`; parts that are not identifiers are quoted, which only qdqc's parser reads.
    static func operatorText(_ node: Node) -> String {
        var result = ""
        if !node.domain.isEmpty {
            let parts = node.domain.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            result = parts.allSatisfy(TextSyntax.isIdentifier) ? node.domain : TextSyntax.quoted(node.domain)
            result.append(".")
        }
        result.append(TextSyntax.isIdentifier(node.opType) ? node.opType : TextSyntax.quoted(node.opType))
        if let overload = node.overload, !overload.isEmpty {
            result.append(":" + (TextSyntax.isIdentifier(overload) ? overload : TextSyntax.quoted(overload)))
        }
        return result
    }

    private mutating func writeAttributes(of node: Node, indent: Int) throws {
        guard !node.attributes.isEmpty else { return }
        text.append(" <")
        for (index, attribute) in node.attributes.enumerated() {
            if index > 0 { text.append(", ") }
            try writeAttribute(attribute, indent: indent + 3, owner: node.displayName)
        }
        text.append(">")
    }
}
