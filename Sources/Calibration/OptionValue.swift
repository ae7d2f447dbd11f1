/// One method option's value, as a calibration table records it.
public enum OptionValue: Equatable, Sendable, CustomStringConvertible {
    /// A boolean.
    case bool(Bool)
    /// An integer.
    case int(Int)
    /// A finite floating-point number.
    case double(Double)
    /// A word such as a format or variant name.
    case string(String)

    /// Whether the two values are the same setting. JSON has one number type, so a table's
    /// `2` cannot say whether it was written from `.int(2)` or `.double(2)`: numbers compare by value.
    public static func == (lhs: OptionValue, rhs: OptionValue) -> Bool {
        switch (lhs, rhs) {
        case (.bool(let left), .bool(let right)): return left == right
        case (.int(let left), .int(let right)): return left == right
        case (.double(let left), .double(let right)): return left == right
        case (.int(let left), .double(let right)), (.double(let right), .int(let left)):
            return Double(exactly: left) == right
        case (.string(let left), .string(let right)): return left == right
        default: return false
        }
    }

    /// The value as pipeline text would spell it.
    public var description: String {
        switch self {
        case .bool(let value): return value ? "true" : "false"
        case .int(let value): return String(value)
        case .double(let value): return String(value)
        case .string(let value): return value
        }
    }
}
