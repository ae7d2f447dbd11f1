/// A JSON document held exactly: numbers keep their text, so reading and writing them loses nothing.
enum JSONValue: Equatable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, as its JSON text.
    case number(String)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object; key order is not kept (output sorts keys).
    case object([String: JSONValue])

    /// A float32 number in its shortest round-tripping text; nil for NaN or infinities, which JSON lacks.
    static func float(_ value: Float) -> JSONValue? {
        value.isFinite ? .number(value.description) : nil
    }

    /// A double number in its shortest round-tripping text; nil for NaN or infinities.
    static func double(_ value: Double) -> JSONValue? {
        value.isFinite ? .number(value.description) : nil
    }

    /// An integer number.
    static func int(_ value: Int) -> JSONValue { .number(String(value)) }

    /// The document as text: two-space indentation, keys sorted by code point, arrays of
    /// scalars on one line, a final newline. The same value always gives the same bytes.
    func serialized() -> String {
        var output = ""
        write(to: &output, indent: 0)
        output.append("\n")
        return output
    }

    private func write(to output: inout String, indent: Int) {
        switch self {
        case .null: output.append("null")
        case .bool(let value): output.append(value ? "true" : "false")
        case .number(let text): output.append(text)
        case .string(let text): Self.writeString(text, to: &output)
        case .array(let items): writeArray(items, to: &output, indent: indent)
        case .object(let members): writeObject(members, to: &output, indent: indent)
        }
    }

    private func writeArray(_ items: [JSONValue], to output: inout String, indent: Int) {
        let scalars = items.allSatisfy {
            if case .array = $0 { return false }
            if case .object = $0 { return false }
            return true
        }
        if items.isEmpty || scalars {
            output.append("[")
            for (index, item) in items.enumerated() {
                if index > 0 { output.append(", ") }
                item.write(to: &output, indent: indent)
            }
            output.append("]")
            return
        }
        let inner = String(repeating: " ", count: indent + 2)
        output.append("[\n")
        for (index, item) in items.enumerated() {
            output.append(inner)
            item.write(to: &output, indent: indent + 2)
            output.append(index + 1 < items.count ? ",\n" : "\n")
        }
        output.append(String(repeating: " ", count: indent) + "]")
    }

    private func writeObject(_ members: [String: JSONValue], to output: inout String, indent: Int) {
        guard !members.isEmpty else {
            output.append("{}")
            return
        }
        let keys = members.keys.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        let inner = String(repeating: " ", count: indent + 2)
        output.append("{\n")
        for (index, key) in keys.enumerated() {
            output.append(inner)
            Self.writeString(key, to: &output)
            output.append(": ")
            members[key]?.write(to: &output, indent: indent + 2)
            output.append(index + 1 < keys.count ? ",\n" : "\n")
        }
        output.append(String(repeating: " ", count: indent) + "}")
    }

    private static func writeString(_ text: String, to output: inout String) {
        output.append("\"")
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output.append("\\\"")
            case "\\": output.append("\\\\")
            case "\n": output.append("\\n")
            case "\r": output.append("\\r")
            case "\t": output.append("\\t")
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default: output.unicodeScalars.append(scalar)
            }
        }
        output.append("\"")
    }
}
