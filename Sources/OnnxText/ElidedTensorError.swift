/// Reading the bytes of a tensor whose data a text dump left out.
public struct ElidedTensorError: Error, Equatable, CustomStringConvertible {
    /// The tensor's name ("" when it has none).
    public var tensor: String
    /// How many bytes the text says the data had, if it says.
    public var byteCount: Int?

    /// Creates the error for one tensor.
    public init(tensor: String, byteCount: Int?) {
        self.tensor = tensor
        self.byteCount = byteCount
    }

    /// A one-line explanation that says how to keep the data next time.
    public var description: String {
        let size = byteCount.map { " (\($0) bytes)" } ?? ""
        return "tensor '\(tensor)': its data\(size) was elided from the text dump; "
            + "print with inline or sidecar large tensors to keep it"
    }
}
