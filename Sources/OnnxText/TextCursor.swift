/// A position in ONNX text with the lexical rules of onnx's `ParserBase`.
///
/// Works on the UTF-8 bytes so a text of hundreds of megabytes reads without
/// per-character overhead. Whitespace and `#` comments (to the end of the line)
/// are skipped before every token.
struct TextCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    // MARK: - Characters

    mutating func skipWhitespace() {
        while position < bytes.count {
            let byte = bytes[position]
            if byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) {
                position += 1
            } else if byte == UInt8(ascii: "#") {
                while position < bytes.count && bytes[position] != 0x0A { position += 1 }
            } else {
                return
            }
        }
    }

    /// The next character after whitespace, nil at the end.
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < bytes.count ? bytes[position] : nil
    }

    /// Whether the text is used up (after whitespace and comments).
    mutating func isAtEnd() -> Bool { peek() == nil }

    /// Consumes `character` if it comes next.
    mutating func matches(_ character: Unicode.Scalar) -> Bool {
        guard peek() == UInt8(ascii: character) else { return false }
        position += 1
        return true
    }

    /// Consumes `character` or throws, naming what it was expected for.
    mutating func expect(_ character: Unicode.Scalar, _ context: String) throws {
        guard matches(character) else { throw error("expected '\(character)' \(context), found \(describeNext())") }
    }

    /// Consumes `=>`; like onnx, the two characters must touch.
    mutating func expectArrow(_ context: String) throws {
        let start = position
        if matches("="), position < bytes.count, bytes[position] == UInt8(ascii: ">") {
            position += 1
            return
        }
        position = start
        throw error("expected '=>' \(context), found \(describeNext())")
    }

    /// A short description of what comes next, for messages.
    mutating func describeNext() -> String {
        guard let next = peek() else { return "the end of the text" }
        var end = position
        if TextSyntax.isIdentifierContinue(next) {
            while end < bytes.count && TextSyntax.isIdentifierContinue(bytes[end]) && end - position < 40 { end += 1 }
        } else {
            end = position + 1
            while end < bytes.count && bytes[end] & 0xC0 == 0x80 { end += 1 }
        }
        return "'" + String(decoding: UnsafeBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self) + "'"
    }

    // MARK: - Identifiers and strings

    /// An identifier (letters, digits, `_`, not starting with a digit), nil if none comes next.
    mutating func optionalIdentifier() -> String? {
        guard let first = peek(), TextSyntax.isIdentifierStart(first) else { return nil }
        let start = position
        position += 1
        while position < bytes.count && TextSyntax.isIdentifierContinue(bytes[position]) { position += 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    /// The identifier that comes next, without consuming it.
    mutating func peekIdentifier() -> String? {
        let start = position
        defer { position = start }
        return optionalIdentifier()
    }

    mutating func identifier(_ context: String) throws -> String {
        guard let name = optionalIdentifier() else {
            throw error("expected \(context), found \(describeNext())")
        }
        return name
    }

    /// An identifier or a string literal.
    mutating func quotableIdentifier(_ context: String) throws -> String {
        if peek() == UInt8(ascii: "\"") { return try stringLiteral() }
        return try identifier(context)
    }

    /// A string literal's bytes; `\` takes the next character as it is.
    mutating func stringLiteralBytes() throws -> [UInt8] {
        skipWhitespace()
        let start = position
        guard matches("\"") else { throw error("expected a string literal, found \(describeNext())") }
        var result: [UInt8] = []
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "\"") { return result }
            if byte == UInt8(ascii: "\\") {
                guard position < bytes.count else { break }
                result.append(bytes[position])
                position += 1
            } else {
                result.append(byte)
            }
        }
        throw error("string literal is not closed", at: start)
    }

    mutating func stringLiteral() throws -> String {
        String(decoding: try stringLiteralBytes(), as: UTF8.self)
    }

    // MARK: - Errors

    /// An error at `offset` (default: the next token).
    mutating func error(_ message: String, at offset: Int? = nil) -> TextParseError {
        if offset == nil { skipWhitespace() }
        let end = min(offset ?? position, bytes.count)
        var line = 1
        var column = 1
        for index in 0..<end {
            let byte = bytes[index]
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return TextParseError(line: line, column: column, message: message)
    }
}
