import OnnxIR

extension ModelTextParser {
    /// `<domain: ..., opset_import: [...]> name <attributes> (inputs) => (outputs) <value_info> { nodes }`.
    mutating func parseFunction() throws -> Function {
        cursor.skipWhitespace()
        let start = cursor.position
        var header = FunctionHeader()
        if cursor.matches("<") { try parseFunctionHeader(into: &header) }
        let name = try cursor.quotableIdentifier("a function name")
        var attributeNames: [String] = []
        var attributeDefaults: [Attribute] = []
        if cursor.matches("<") {
            repeat {
                let attributeName = try cursor.quotableIdentifier("a function attribute name")
                if cursor.peek() == UInt8(ascii: ":") || cursor.peek() == UInt8(ascii: "=") {
                    attributeDefaults.append(try parseAttribute(named: attributeName, nil))
                } else {
                    attributeNames.append(attributeName)
                }
            } while cursor.matches(",")
            try cursor.expect(">", "to close the attributes of function '\(name)'")
        }
        let builder = GraphBuilder(name: name)
        var references: [NameReference] = []
        for input in try parseFunctionSignature(of: name, "inputs") {
            builder.addInput(name: input.name, type: input.type)
        }
        try cursor.expectArrow("between the inputs and outputs of function '\(name)'")
        for output in try parseFunctionSignature(of: name, "outputs") {
            references.append(NameReference(name: output.name, offset: output.offset))
            builder.addOutput(name: output.name, type: output.type)
        }
        if cursor.matches("<") {
            if !cursor.matches(">") {
                repeat {
                    let entry = try parseDeclaration("a value_info name")
                    builder.addValueInfo(name: entry.name, type: entry.type)
                } while cursor.matches(",")
                try cursor.expect(">", "to close the value_info of function '\(name)'")
            }
        }
        try parseNodes(builder, &references, graphName: name)
        let body = try finish(builder, references, graphName: name, start: start)
        return Function(
            name: name, domain: header.domain, overload: header.overload, attributeNames: attributeNames,
            attributeDefaults: attributeDefaults, body: body, opsetImports: header.opsetImports,
            docString: header.docString)
    }

    /// The `<...>` entries before a function's name.
    struct FunctionHeader {
        var domain: String?
        var overload: String?
        var opsetImports: [OpsetImport] = []
        var docString: String?
    }

    private mutating func parseFunctionHeader(into header: inout FunctionHeader) throws {
        repeat {
            cursor.skipWhitespace()
            let keyOffset = cursor.position
            let key = try cursor.identifier("a function header key")
            try cursor.expect(":", "after '\(key)'")
            switch key {
            case "domain": header.domain = try cursor.stringLiteral()
            case "overload": header.overload = try cursor.stringLiteral()
            case "opset_import": header.opsetImports = try parseOpsetList()
            case "doc_string": header.docString = try cursor.stringLiteral()
            default: throw cursor.error("unknown function header key '\(key)'", at: keyOffset)
            }
        } while cursor.matches(",")
        try cursor.expect(">", "to close the function header")
    }

    /// `(x, float[N] y)`: names, each with an optional type.
    private mutating func parseFunctionSignature(
        of function: String, _ part: String
    ) throws -> [(name: String, type: ValueType?, offset: Int)] {
        try cursor.expect("(", "to open the \(part) of function '\(function)'")
        var entries: [(name: String, type: ValueType?, offset: Int)] = []
        if cursor.matches(")") { return entries }
        repeat {
            entries.append(try parseDeclaration("a function input or output name"))
        } while cursor.matches(",")
        try cursor.expect(")", "to close the \(part) of function '\(function)'")
        return entries
    }
}
