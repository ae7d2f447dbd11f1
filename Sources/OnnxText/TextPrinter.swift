import OnnxIR

/// Prints models in ONNX's textual syntax, the one `onnx.printer` writes and `onnx.parser` reads.
///
/// The text parses back (with `TextParser` or onnx's parser) to the same model, except for
/// what the syntax has no place for: doc strings other than the model's and functions',
/// metadata other than the model's, denotations, quantization annotations, device
/// configurations, NaN payloads (the sign is kept), and names of tensors inside attributes
/// that are not plain identifiers. Parts with meaning that it cannot hold (sparse tensors,
/// training info) make printing throw. Large tensors are elided, inlined or moved to a
/// sidecar as `TextPrintOptions` says.
public struct TextPrinter {
    /// How to print.
    public var options: TextPrintOptions

    /// Creates a printer.
    public init(options: TextPrintOptions = TextPrintOptions()) { self.options = options }

    /// The model as text, with the sidecar bytes when large tensors go to a sidecar.
    public func print(_ model: Model) throws -> PrintedModel {
        var writer = ModelTextWriter(options: options)
        try writer.writeModel(model)
        return writer.result
    }

    /// One graph as text (`name (inputs) => (outputs) <...> {...}`), as `onnx.parser.parse_graph` reads it.
    public func print(_ graph: Graph) throws -> PrintedModel {
        var writer = ModelTextWriter(options: options)
        try writer.writeGraph(graph, name: TextSyntax.name(graph.name ?? ""), indent: 3)
        writer.text.append("\n")
        return writer.result
    }
}
