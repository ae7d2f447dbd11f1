import OnnxIR

/// The lexical rules of ONNX's textual syntax that the printer and the parser share.
///
/// They follow onnx/defs/parser.h (onnx 1.23): identifiers are ASCII letters, digits
/// and `_`, not starting with a digit; anything else is written as a string literal in
/// which only `\` and `"` are escaped (the parser takes the character after `\` as is).
enum TextSyntax {
    /// The location an elided tensor's external-data reference names.
    static let elidedLocation = "__elided__"

    /// Type keywords other than element type names; a bare one starts a type, so names equal to one are quoted.
    static let typeKeywords: Set<String> = ["seq", "map", "optional", "sparse_tensor", "opaque"]

    static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A)
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func isIdentifierStart(_ byte: UInt8) -> Bool { isLetter(byte) || byte == 0x5F }

    static func isIdentifierContinue(_ byte: UInt8) -> Bool { isIdentifierStart(byte) || isDigit(byte) }

    /// Whether `text` is a plain identifier in onnx's parser.
    static func isIdentifier(_ text: String) -> Bool {
        var bytes = text.utf8.makeIterator()
        guard let first = bytes.next(), isIdentifierStart(first) else { return false }
        while let byte = bytes.next() {
            if !isIdentifierContinue(byte) { return false }
        }
        return true
    }

    /// The element type called `name` (`undefined` is not a type name in the syntax).
    static func elementType(named name: String) -> DataType? {
        guard let type = DataType(name: name), type != .undefined else { return nil }
        return type
    }

    /// The syntax's name for an element type, nil for `undefined` and numbers qdqc does not know.
    static func name(of type: DataType) -> String? {
        type == .undefined ? nil : type.name
    }

    /// Whether a bare `name` would be read as the start of a type.
    static func isTypeWord(_ name: String) -> Bool {
        typeKeywords.contains(name) || elementType(named: name) != nil
    }

    /// Whether a bare word is a special float literal (`inf`, `infinity`, `nan`, any case).
    static func isSpecialFloatWord(_ word: String) -> Bool {
        let lower = word.lowercased()
        return lower == "inf" || lower == "infinity" || lower == "nan"
    }

    /// `text` as a string literal.
    static func quoted(_ text: String) -> String {
        var result = "\""
        result.reserveCapacity(text.utf8.count + 2)
        for character in text.unicodeScalars {
            if character == "\\" || character == "\"" { result.unicodeScalars.append("\\") }
            result.unicodeScalars.append(character)
        }
        result.append("\"")
        return result
    }

    /// Byte strings as a string literal; bytes that are not UTF-8 become U+FFFD (text cannot hold them).
    static func quoted(bytes: [UInt8]) -> String { quoted(String(decoding: bytes, as: UTF8.self)) }

    /// A name as written where the parser accepts an identifier or a string: bare when that reads back the same.
    static func name(_ text: String) -> String {
        isIdentifier(text) && !isTypeWord(text) ? text : quoted(text)
    }

    /// A name for a graph held in an attribute, where onnx's parser accepts only a bare identifier
    /// that is neither a type nor a special float; other names are rewritten (they carry no meaning).
    static func subgraphName(_ name: String?, fallback: String) -> String {
        var candidate = name ?? ""
        if candidate.isEmpty { candidate = fallback }
        var result = String(
            String.UnicodeScalarView(
                candidate.unicodeScalars.map { scalar in
                    scalar.isASCII && isIdentifierContinue(UInt8(scalar.value)) ? scalar : "_"
                }))
        if result.isEmpty { result = "graph" }
        let lower = result.lowercased()
        if let first = result.utf8.first,
            isDigit(first) || isTypeWord(result) || lower.hasPrefix("inf")
                || lower.hasPrefix("nan")
        {
            result = "g_" + result
        }
        return result
    }

    /// The shortest text that reads back to the same float; NaN payloads are not kept (only the sign).
    static func text(_ value: Float) -> String {
        if value.isNaN { return value.sign == .minus ? "-nan" : "nan" }
        return value.description
    }

    /// The shortest text that reads back to the same double; NaN payloads are not kept (only the sign).
    static func text(_ value: Double) -> String {
        if value.isNaN { return value.sign == .minus ? "-nan" : "nan" }
        return value.description
    }
}
