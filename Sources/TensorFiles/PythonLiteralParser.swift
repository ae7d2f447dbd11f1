import Foundation

/// Parses the Python literal that a `.npy` header holds (`{'descr': '<f4', ...}`).
///
/// Errors are plain reasons ("expected ':' at offset 12"); the caller adds the file.
struct PythonLiteralParser {
    private let bytes: [UInt8]
    private var position = 0
    /// Nesting limit, so a hostile header cannot exhaust the stack.
    private let maximumDepth = 32

    /// Parses `text`, which must hold exactly one literal (surrounding whitespace allowed).
    static func parse(_ text: [UInt8]) throws -> PythonLiteral {
        var parser = PythonLiteralParser(bytes: text)
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == parser.bytes.count else {
            throw FormatProblem("unexpected text after the header dict at offset \(parser.position)")
        }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
    }

    private mutating func parseValue(depth: Int) throws -> PythonLiteral {
        guard depth < maximumDepth else { throw FormatProblem("literal nested too deeply") }
        skipWhitespace()
        guard let byte = current else { throw FormatProblem("unexpected end of header") }
        switch byte {
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "("): return .tuple(try parseSequence(closing: UInt8(ascii: ")"), depth: depth))
        case UInt8(ascii: "["): return .list(try parseSequence(closing: UInt8(ascii: "]"), depth: depth))
        case UInt8(ascii: "{"): return try parseDict(depth: depth)
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .integer(try parseInteger())
        default: return try parseKeyword()
        }
    }

    private mutating func parseString() throws -> String {
        let quote = bytes[position]
        position += 1
        var content: [UInt8] = []
        while let byte = current {
            position += 1
            if byte == quote {
                guard let text = String(bytes: content, encoding: .utf8) else {
                    throw FormatProblem("string is not valid UTF-8")
                }
                return text
            }
            if byte == UInt8(ascii: "\\") {
                guard let escaped = current else { break }
                position += 1
                content.append(escaped)
            } else {
                content.append(byte)
            }
        }
        throw FormatProblem("unterminated string")
    }

    private mutating func parseInteger() throws -> Int64 {
        let start = position
        if current == UInt8(ascii: "-") || current == UInt8(ascii: "+") { position += 1 }
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { position += 1 }
        let digits = String(decoding: bytes[start..<position], as: UTF8.self)
        if current == UInt8(ascii: "L") || current == UInt8(ascii: "l") { position += 1 }
        guard let value = Int64(digits.hasPrefix("+") ? String(digits.dropFirst()) : digits) else {
            throw FormatProblem("bad integer '\(digits)' at offset \(start)")
        }
        return value
    }

    private mutating func parseKeyword() throws -> PythonLiteral {
        let start = position
        while let byte = current,
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
        {
            position += 1
        }
        switch String(decoding: bytes[start..<position], as: UTF8.self) {
        case "True": return .bool(true)
        case "False": return .bool(false)
        case "None": return .none
        default:
            let found = current.map { "'\(String(UnicodeScalar($0)))'" } ?? "end of header"
            throw FormatProblem("unexpected \(found) at offset \(start)")
        }
    }

    private mutating func parseSequence(closing: UInt8, depth: Int) throws -> [PythonLiteral] {
        position += 1
        var items: [PythonLiteral] = []
        while true {
            skipWhitespace()
            if current == closing {
                position += 1
                return items
            }
            items.append(try parseValue(depth: depth + 1))
            try expectSeparator(closing: closing)
        }
    }

    private mutating func parseDict(depth: Int) throws -> PythonLiteral {
        position += 1
        var entries: [(key: String, value: PythonLiteral)] = []
        while true {
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                position += 1
                return .dict(entries)
            }
            guard case .string(let key) = try parseValue(depth: depth + 1) else {
                throw FormatProblem("dict key is not a string at offset \(position)")
            }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw FormatProblem("expected ':' at offset \(position)") }
            position += 1
            entries.append((key, try parseValue(depth: depth + 1)))
            try expectSeparator(closing: UInt8(ascii: "}"))
        }
    }

    /// After an item: a comma, or the closing bracket (left for the caller to consume).
    private mutating func expectSeparator(closing: UInt8) throws {
        skipWhitespace()
        if current == UInt8(ascii: ",") {
            position += 1
        } else if current != closing {
            throw FormatProblem("expected ',' or '\(String(UnicodeScalar(closing)))' at offset \(position)")
        }
    }
}
