import OnnxIR

/// Prints models in ONNX's textual syntax, the one `onnx.printer` writes and `onnx.parser` reads.
///
/// Both `TextParser` and onnx's parser (1.23) read the text back to the same model:
/// floats in their shortest round-trip form (`inf`, `-inf`, `nan`, `-nan`), 16- and
/// 8-bit float types as their bit patterns (as onnx's printer does), packed 2/4/6-bit
/// types one value per element, names that are not plain identifiers in quotes.
/// Where onnx's parser is stricter than its printer, the printer stays inside what the
/// parser reads: graphs held in attributes get identifier names (`then.branch` becomes
/// `then_branch`, an unnamed one takes its attribute's name) and tensors inside
/// attributes lose names that would need quotes.
///
/// Large tensors (more than `largeTensorThreshold` elements) follow `largeTensors`:
/// elided ones become external data `["location": "__elided__", "length": "<bytes>"]`,
/// which both parsers accept and `TextParser` turns into tensors whose bytes throw
/// `ElidedTensorError`; sidecar ones become external data into `PrintedModel.sidecar`.
/// Tensors already elided stay so, and so do external tensors whose bytes are not bound
/// (except that sidecar mode refuses a large unbound one: the sidecar would be incomplete).
///
/// Not printed, because the syntax has no place for them: doc strings other than the
/// model's and functions', metadata other than the model's, denotations, quantization
/// annotations, device configurations, NaN payloads (the sign is kept), and non-UTF-8
/// bytes in strings (replaced by U+FFFD). Parts with meaning that the syntax cannot hold
/// (sparse tensors, training info, attributes without a value) make printing throw
/// `TextPrintError`.
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
