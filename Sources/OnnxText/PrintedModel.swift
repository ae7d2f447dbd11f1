import Foundation

/// The text of a printed model and, in sidecar mode, the bytes its external-data references point into.
public struct PrintedModel {
    /// The model in ONNX's textual syntax.
    public var text: String
    /// The sidecar file's contents; nil unless some tensor was written to the sidecar.
    public var sidecar: Data?

    /// Creates a printed model.
    public init(text: String, sidecar: Data?) {
        self.text = text
        self.sidecar = sidecar
    }
}
