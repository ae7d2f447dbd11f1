import OnnxIR

/// One set of model inputs: a calibration or evaluation example.
public struct Sample: Sendable {
    /// The sample's name: its file or folder name without extension (`0007`, `test_data_set_0`).
    public var name: String
    /// The input tensors keyed by graph input name.
    public var inputs: [String: Tensor]
    /// The file or folder the sample was read from, for messages.
    public var source: String

    /// Creates a sample.
    public init(name: String, inputs: [String: Tensor], source: String) {
        self.name = name
        self.inputs = inputs
        self.source = source
    }
}
