import OnnxIR

/// Reads ONNX's textual syntax (what `onnx.printer` writes and `onnx.parser` reads) into the IR.
///
/// `#` starts a comment that runs to the end of the line. Tensors whose data was
/// elided (external data at `__elided__`) read as external tensors whose bytes throw
/// `ElidedTensorError`; other external references are kept unbound (bind them with
/// OnnxIO's `ExternalDataBinder`). Errors are `TextParseError`s with line and column.
public enum TextParser {
    /// Reads a model: an optional `<...>` header, the main graph, then model-local functions.
    public static func parseModel(_ text: String) throws -> Model {
        try withParser(text) { parser in try parser.parseModel() }
    }

    /// Reads one graph (`name (inputs) => (outputs) <...> {...}`), as `onnx.parser.parse_graph` does.
    public static func parseGraph(_ text: String) throws -> Graph {
        try withParser(text) { parser in
            let graph = try parser.parseGraph(outer: nil)
            if !parser.cursor.isAtEnd() {
                throw parser.cursor.error("unexpected \(parser.cursor.describeNext()) after the graph")
            }
            return graph
        }
    }

    private static func withParser<Result>(
        _ text: String, _ body: (inout ModelTextParser) throws -> Result
    ) throws -> Result {
        var text = text
        return try text.withUTF8 { bytes in
            var parser = ModelTextParser(cursor: TextCursor(bytes: bytes))
            return try body(&parser)
        }
    }
}
