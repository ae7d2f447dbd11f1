import OnnxIR

extension ModelTextParser {
    /// `[name] outputs = domain.Op:overload <attributes> (inputs) <attributes>`.
    mutating func parseNode(_ builder: GraphBuilder, _ references: inout [NameReference]) throws {
        cursor.skipWhitespace()
        let start = cursor.position
        var name: String?
        if cursor.matches("[") {
            name = try optionalListName()?.name ?? ""
            try cursor.expect("]", "after the node name")
        }
        let outputs = try parseNameList()
        try cursor.expect("=", "after the outputs of a node")
        let (domain, opType) = try parseOperator()
        var overload: String?
        if cursor.matches(":") { overload = try cursor.quotableIdentifier("an overload name") }
        var attributes = try parseAttributeList(builder)
        try cursor.expect("(", "before the inputs of '\(opType)'")
        let inputs = try parseNameList()
        try cursor.expect(")", "after the inputs of '\(opType)'")
        if attributes.isEmpty { attributes = try parseAttributeList(builder) }
        references.append(contentsOf: inputs.filter { !$0.name.isEmpty })
        do {
            let node = try builder.addNode(
                opType: opType, domain: domain, name: name, inputNames: inputs.map(\.name),
                outputNames: outputs.map(\.name), attributes: attributes)
            node.overload = overload
        } catch {
            throw cursor.error("node '\(name ?? opType)': \(error)", at: start)
        }
    }

    /// Names separated by commas, empty ones allowed (`""`, or nothing before a comma), as onnx reads them.
    mutating func parseNameList() throws -> [NameReference] {
        guard let first = try optionalListName() else { return [] }
        var names = [first]
        while cursor.matches(",") {
            guard let next = try optionalListName() else { break }
            names.append(next)
        }
        return names
    }

    /// A quoted or bare name; an empty one when a comma follows directly; nil when no name comes.
    mutating func optionalListName() throws -> NameReference? {
        cursor.skipWhitespace()
        let offset = cursor.position
        if cursor.peek() == UInt8(ascii: "\"") {
            return NameReference(name: try cursor.stringLiteral(), offset: offset)
        }
        if let name = cursor.optionalIdentifier() { return NameReference(name: name, offset: offset) }
        return cursor.peek() == UInt8(ascii: ",") ? NameReference(name: "", offset: offset) : nil
    }

    /// `Op`, `domain.Op` or `ai.onnx.ml.Op`; the last part is the operator.
    private mutating func parseOperator() throws -> (domain: String, opType: String) {
        var parts = [try operatorPart()]
        while cursor.matches(".") { parts.append(try operatorPart()) }
        let opType = parts.removeLast()
        return (parts.joined(separator: "."), opType)
    }

    private mutating func operatorPart() throws -> String {
        if cursor.peek() == UInt8(ascii: "\"") { return try cursor.stringLiteral() }
        return try cursor.identifier("an operator name")
    }

    // MARK: - Attributes

    /// `<name: type = value, ...>` if it comes next, else nothing.
    mutating func parseAttributeList(_ builder: GraphBuilder?) throws -> [Attribute] {
        guard cursor.matches("<") else { return [] }
        var attributes: [Attribute] = []
        repeat {
            let name = try cursor.quotableIdentifier("an attribute name")
            attributes.append(try parseAttribute(named: name, builder))
        } while cursor.matches(",")
        try cursor.expect(">", "to close the attribute list")
        return attributes
    }

    /// `[: type] = value` after an attribute's name.
    mutating func parseAttribute(named name: String, _ builder: GraphBuilder?) throws -> Attribute {
        var declared: AttributeType?
        if cursor.matches(":") {
            cursor.skipWhitespace()
            let offset = cursor.position
            let typeName = try cursor.identifier("an attribute type")
            guard let type = ParsedAttributeValue.attributeType(named: typeName) else {
                throw cursor.error("unknown attribute type '\(typeName)'", at: offset)
            }
            declared = type
        }
        try cursor.expect("=", "after attribute '\(name)'")
        if cursor.peek() == UInt8(ascii: "[") {
            return try parseListAttribute(named: name, declared: declared, builder)
        }
        let value = try parseSingleValue(expected: declared, builder, attribute: name)
        if case .reference(let reference) = value {
            return Attribute(name, .valueless(declared ?? .undefined), refAttrName: reference)
        }
        guard let attributeValue = value.attributeValue else {
            throw cursor.error("attribute '\(name)' has no value")
        }
        return Attribute(name, attributeValue)
    }

    private mutating func parseListAttribute(
        named name: String, declared: AttributeType?, _ builder: GraphBuilder?
    ) throws -> Attribute {
        cursor.skipWhitespace()
        let start = cursor.position
        try cursor.expect("[", "to open the list of attribute '\(name)'")
        if cursor.matches("]") {
            guard let declared else {
                throw cursor.error("empty list attribute '\(name)' needs a type (`\(name): ints = []`)", at: start)
            }
            guard let empty = ParsedAttributeValue.emptyList(of: declared) else {
                throw cursor.error("attribute '\(name)' is declared \(declared.name), which is not a list", at: start)
            }
            return Attribute(name, empty)
        }
        let elementType = declared.map(ParsedAttributeValue.elementType(of:))
        var values: [ParsedAttributeValue] = []
        repeat {
            values.append(try parseSingleValue(expected: elementType, builder, attribute: name))
        } while cursor.matches(",")
        try cursor.expect("]", "to close the list of attribute '\(name)'")
        guard let list = ParsedAttributeValue.list(values) else {
            throw cursor.error("list attribute '\(name)' mixes values of different kinds", at: start)
        }
        return Attribute(name, list)
    }

    /// One value: a number, string, tensor, type, graph, or `@reference`.
    private mutating func parseSingleValue(
        expected: AttributeType?, _ builder: GraphBuilder?, attribute: String
    ) throws -> ParsedAttributeValue {
        guard let next = cursor.peek() else { throw cursor.error("expected a value for attribute '\(attribute)'") }
        let start = cursor.position
        let value: ParsedAttributeValue
        if TextSyntax.isIdentifierStart(next) {
            value = try parseWordValue(builder)
        } else if cursor.matches("@") {
            return .reference(try cursor.quotableIdentifier("a function attribute name"))
        } else if next == UInt8(ascii: "\"") {
            value =
                expected == .graph ? .graph(try parseGraph(outer: builder)) : .string(try cursor.stringLiteralBytes())
        } else {
            let token = try cursor.numberToken("a value for attribute '\(attribute)'")
            if token.isFloat || expected == .float {
                value = .float(try cursor.floatValue(of: token))
            } else {
                value = .int(try cursor.integerValue(of: token, "an integer"))
            }
        }
        if let expected, expected != value.attributeType {
            throw cursor.error(
                "attribute '\(attribute)' is declared \(expected.name) but its value is a \(value.attributeType.name)",
                at: start)
        }
        return value
    }

    /// A value starting with a word: a tensor or type (after a type word), a special float, or a graph.
    private mutating func parseWordValue(_ builder: GraphBuilder?) throws -> ParsedAttributeValue {
        cursor.skipWhitespace()
        let start = cursor.position
        if nextIsType() {
            let type = try parseType()
            guard let next = cursor.peek(),
                next == UInt8(ascii: "{") || next == UInt8(ascii: "=") || next == UInt8(ascii: "\"")
                    || TextSyntax.isIdentifierStart(next)
            else { return .type(type) }
            let name = try optionalListName()?.name ?? ""
            _ = cursor.matches("=")
            return .tensor(try parseTensorData(type: type, name: name, start: start))
        }
        if let word = cursor.peekIdentifier(), TextSyntax.isSpecialFloatWord(word) {
            return .float(try cursor.floatValue(of: try cursor.numberToken("a float")))
        }
        return .graph(try parseGraph(outer: builder))
    }
}
