/// What the printer does with tensors above the size threshold.
public enum LargeTensorMode: Hashable, Sendable {
    /// Print every element.
    case inline
    /// Replace the data by an external-data reference to `__elided__` with its byte length.
    case elide
    /// Put the raw little-endian bytes in `PrintedModel.sidecar` and reference them as ONNX external data.
    case sidecar(fileName: String)
}
