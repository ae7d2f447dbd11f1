/// A calibration failure, described in one line that names the tensor, option or file.
public enum CalibrationError: Error, Equatable, CustomStringConvertible {
    /// An option value outside what the method accepts.
    case invalidOption(method: String, option: String, value: String, expected: String)
    /// An option the method does not know.
    case unknownOption(method: String, option: String, known: [String])
    /// A method name other than minmax, percentile, entropy or mse.
    case unknownMethod(String)
    /// A batch that does not fit its shape or the batches before it (the observer does not know the tensor's name).
    case badBatch(reason: String)
    /// Observing the named tensor failed.
    case tensor(name: String, reason: String)
    /// A calibration table that could not be read, parsed or written.
    case table(path: String, reason: String)
    /// A file that could not be read for hashing.
    case unreadableFile(path: String, reason: String)

    /// The message, one line.
    public var description: String {
        switch self {
        case .invalidOption(let method, let option, let value, let expected):
            return "calibration method \(method): option \(option)=\(value) is invalid, expected \(expected)"
        case .unknownOption(let method, let option, let known):
            return "calibration method \(method): unknown option \(option) (known: \(known.joined(separator: ", ")))"
        case .unknownMethod(let name):
            return "unknown calibration method '\(name)' (known: "
                + CalibrationMethod.allCases.map(\.rawValue).joined(separator: ", ") + ")"
        case .badBatch(let reason):
            return reason
        case .tensor(let name, let reason):
            return "tensor '\(name)': \(reason)"
        case .table(let path, let reason):
            return "\(path): \(reason)"
        case .unreadableFile(let path, let reason):
            return "\(path): \(reason)"
        }
    }

    /// The same failure, attributed to `tensor` when the observer could not name it.
    func naming(_ tensor: String) -> CalibrationError {
        switch self {
        case .badBatch(let reason): return .tensor(name: tensor, reason: reason)
        case .invalidOption: return .tensor(name: tensor, reason: description)
        default: return self
        }
    }
}
