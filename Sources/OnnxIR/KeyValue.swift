/// A key and a value, as ONNX's `StringStringEntryProto` (metadata, external data, bindings).
public struct KeyValue: Hashable, Sendable {
    /// The key.
    public var key: String
    /// The value.
    public var value: String

    /// Creates an entry.
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}
