import OnnxIR

/// Reads models, graphs and functions in ONNX's textual syntax into the IR, building through `GraphBuilder`.
///
/// The grammar is onnx's (onnx/defs/parser.cc, onnx 1.23), read a little more
/// leniently where onnx's own printer writes text its parser rejects: tensor names
/// in quotes inside attributes, graph attributes with quoted names, quoted
/// operator and domain names, and special floats as whole words only.
struct ModelTextParser {
    var cursor: TextCursor
    /// How many types and graphs enclose the current position.
    var depth = 0

    /// Nesting deeper than this is refused rather than risking the stack (real models nest a few levels).
    static let maximumDepth = 200

    init(cursor: TextCursor) { self.cursor = cursor }

    /// Enters one level of nesting (a type or a graph), refusing absurd depths.
    mutating func enterNesting(at offset: Int) throws {
        guard depth < Self.maximumDepth else {
            throw cursor.error("types or graphs nest more than \(Self.maximumDepth) levels deep", at: offset)
        }
        depth += 1
    }

    // MARK: - Model

    mutating func parseModel() throws -> Model {
        let model = Model(graph: Graph())
        if cursor.matches("<") { try parseModelHeader(into: model) }
        model.graph = try parseGraph(outer: nil)
        while !cursor.isAtEnd() {
            model.functions.append(try parseFunction())
        }
        return model
    }

    private mutating func parseModelHeader(into model: Model) throws {
        repeat {
            cursor.skipWhitespace()
            let keyOffset = cursor.position
            let key = try cursor.identifier("a model header key")
            try cursor.expect(":", "after '\(key)'")
            switch key {
            case "ir_version": model.irVersion = try cursor.integer("the IR version")
            case "opset_import": model.opsetImports = try parseOpsetList()
            case "producer_name": model.producerName = try cursor.stringLiteral()
            case "producer_version": model.producerVersion = try cursor.stringLiteral()
            case "domain": model.domain = try cursor.stringLiteral()
            case "model_version": model.modelVersion = try cursor.integer("the model version")
            case "doc_string": model.docString = try cursor.stringLiteral()
            case "metadata_props": model.metadataProps = try parseKeyValueList()
            default: throw cursor.error("unknown model header key '\(key)'", at: keyOffset)
            }
        } while cursor.matches(",")
        try cursor.expect(">", "to close the model header")
    }

    /// `["" : 17, "ai.onnx.ml" : 2]`.
    mutating func parseOpsetList() throws -> [OpsetImport] {
        try cursor.expect("[", "to open the opset list")
        var imports: [OpsetImport] = []
        if cursor.matches("]") { return imports }
        repeat {
            let domain = try cursor.stringLiteral()
            try cursor.expect(":", "after opset domain \"\(domain)\"")
            imports.append(OpsetImport(domain: domain, version: try cursor.integer("an opset version")))
        } while cursor.matches(",")
        try cursor.expect("]", "to close the opset list")
        return imports
    }

    /// `["key": "value", ...]`.
    mutating func parseKeyValueList() throws -> [KeyValue] {
        try cursor.expect("[", "to open the key-value list")
        if cursor.matches("]") { return [] }
        let entries = try parseKeyValueEntries()
        try cursor.expect("]", "to close the key-value list")
        return entries
    }

    /// `"key": "value"` entries separated by commas.
    mutating func parseKeyValueEntries() throws -> [KeyValue] {
        var entries: [KeyValue] = []
        repeat {
            let key = try cursor.stringLiteral()
            try cursor.expect(":", "after key \"\(key)\"")
            entries.append(KeyValue(key, try cursor.stringLiteral()))
        } while cursor.matches(",")
        return entries
    }

    // MARK: - Graphs

    /// `name (inputs) => (outputs) <initializers and value_info> { nodes }`.
    mutating func parseGraph(outer: GraphBuilder?) throws -> Graph {
        cursor.skipWhitespace()
        let start = cursor.position
        try enterNesting(at: start)
        defer { depth -= 1 }
        let name = try cursor.quotableIdentifier("a graph name")
        let builder = GraphBuilder(name: name, outer: outer)
        var references: [NameReference] = []
        try parseGraphInputs(builder)
        try cursor.expectArrow("between the inputs and outputs of graph '\(name)'")
        try cursor.expect("(", "to open the outputs of graph '\(name)'")
        if !cursor.matches(")") {
            repeat {
                let output = try parseDeclaration("a graph output")
                references.append(NameReference(name: output.name, offset: output.offset))
                builder.addOutput(name: output.name, type: output.type)
            } while cursor.matches(",")
            try cursor.expect(")", "to close the outputs of graph '\(name)'")
        }
        if cursor.peek() == UInt8(ascii: "<") { try parseGraphEntries(builder) }
        try parseNodes(builder, &references, graphName: name)
        return try finish(builder, references, graphName: name, start: start)
    }

    /// `(float[N] x, float[2] w = {1, 2})`: inputs, some with an initializer.
    private mutating func parseGraphInputs(_ builder: GraphBuilder) throws {
        guard cursor.matches("(") else { return }
        if cursor.matches(")") { return }
        repeat {
            let input = try parseDeclaration("a graph input")
            builder.addInput(name: input.name, type: input.type)
            if cursor.matches("=") {
                builder.addInitializer(try parseTensorData(type: input.type, name: input.name, start: input.offset))
            }
        } while cursor.matches(",")
        try cursor.expect(")", "to close the graph inputs")
    }

    /// `<float[2] w = {1, 2}, float[N] hidden>`: initializers (with `=`) and value_info.
    private mutating func parseGraphEntries(_ builder: GraphBuilder) throws {
        try cursor.expect("<", "to open the initializer list")
        if cursor.matches(">") { return }
        repeat {
            let entry = try parseDeclaration("an initializer or value_info name")
            if cursor.matches("=") {
                builder.addInitializer(try parseTensorData(type: entry.type, name: entry.name, start: entry.offset))
            } else {
                builder.addValueInfo(name: entry.name, type: entry.type)
            }
        } while cursor.matches(",")
        try cursor.expect(">", "to close the initializer list")
    }

    /// `{ node* }`.
    mutating func parseNodes(
        _ builder: GraphBuilder, _ references: inout [NameReference], graphName: String
    ) throws {
        try cursor.expect("{", "to open the nodes of graph '\(graphName)'")
        while !cursor.matches("}") {
            if cursor.isAtEnd() { throw cursor.error("expected '}' to close graph '\(graphName)'") }
            try parseNode(builder, &references)
        }
    }

    /// Checks every used name and resolves the graph; an unknown name is reported where it was written.
    mutating func finish(
        _ builder: GraphBuilder, _ references: [NameReference], graphName: String, start: Int
    ) throws -> Graph {
        for reference in references where builder.resolve(reference.name) == nil {
            throw cursor.error("value '\(reference.name)' is not defined", at: reference.offset)
        }
        do {
            return try builder.finish()
        } catch {
            throw cursor.error("graph '\(graphName)': \(error)", at: start)
        }
    }

    /// `[type] name`, the type optional; the offset is the name's.
    mutating func parseDeclaration(_ context: String) throws -> (name: String, type: ValueType?, offset: Int) {
        var type: ValueType?
        if nextIsType() { type = try parseType() }
        cursor.skipWhitespace()
        let offset = cursor.position
        return (try cursor.quotableIdentifier(context), type, offset)
    }

    /// Whether a type (an element type name or a type keyword) comes next.
    mutating func nextIsType() -> Bool {
        guard let word = cursor.peekIdentifier() else { return false }
        return TextSyntax.isTypeWord(word)
    }
}
