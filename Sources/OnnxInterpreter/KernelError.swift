/// A failure inside a kernel or a BLAS call; the executor turns it into an `InterpreterError` naming the node.
public enum KernelError: Error, Equatable, CustomStringConvertible {
    /// The inputs break the operator's rules (shapes, index ranges, NaN indices, ...).
    case invalid(String)
    /// An element type the kernel does not implement.
    case unsupportedType(String)
    /// An attribute, or an attribute and input combination, the operator forbids.
    case invalidAttribute(String)
    /// A form of the operator this interpreter does not implement.
    case unsupported(String)

    /// The reason, as the executor's messages quote it.
    public var description: String {
        switch self {
        case .invalid(let reason), .unsupportedType(let reason), .invalidAttribute(let reason),
            .unsupported(let reason):
            return reason
        }
    }
}
