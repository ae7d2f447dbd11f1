@testable import Calibration

/// JSON from Python read with the exact parser: Foundation's JSONSerialization on Linux can
/// round decimal numbers to a neighbouring double, which would break bit-exact comparisons.
enum ExactJSON {
    /// A parse failure.
    struct Failure: Error {
        /// What went wrong.
        var message: String
    }

    /// The document as Foundation-style values: [String: Any], [Any], String, Bool, Double (correctly rounded).
    static func object(_ text: String) throws -> Any {
        do {
            return convert(try JSONParser.parse(Array(text.utf8)))
        } catch let failure as JSONParser.Failure {
            throw Failure(message: failure.message + " in " + String(text.prefix(200)))
        }
    }

    private static func convert(_ value: JSONValue) -> Any {
        switch value {
        case .null: return Optional<Any>.none as Any
        case .bool(let flag): return flag
        case .number(let text): return Double(text) ?? Double.nan
        case .string(let text): return text
        case .array(let items): return items.map(convert)
        case .object(let members): return members.mapValues(convert)
        }
    }
}
