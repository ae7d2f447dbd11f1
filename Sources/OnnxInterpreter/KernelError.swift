/// A failure inside a kernel; the executor turns it into an `InterpreterError` naming the node.
enum KernelError: Error {
    /// The inputs break the operator's rules (shapes, index ranges, NaN indices, ...).
    case invalid(String)
    /// An element type the kernel does not implement.
    case unsupportedType(String)
    /// An attribute, or an attribute and input combination, the operator forbids.
    case invalidAttribute(String)
    /// A form of the operator this interpreter does not implement.
    case unsupported(String)
}
