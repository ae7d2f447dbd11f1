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
