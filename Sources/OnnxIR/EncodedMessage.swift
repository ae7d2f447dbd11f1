import Foundation

/// A protobuf message qdqc keeps as its encoded bytes because no pass looks inside it.
public struct EncodedMessage: Hashable, Sendable {
    /// The message's wire-format bytes.
    public var bytes: Data

    /// Wraps encoded bytes.
    public init(bytes: Data) { self.bytes = bytes }
}
