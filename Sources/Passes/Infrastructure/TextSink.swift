import Foundation

/// Where instrumentation writes its text (standard error in the CLI, a buffer in tests).
public struct TextSink {
    /// Writes `text` exactly as given (callers include line breaks).
    public let write: (String) -> Void

    /// Creates a sink from a write function.
    public init(write: @escaping (String) -> Void) {
        self.write = write
    }

    /// The process's standard error.
    public static var standardError: TextSink {
        TextSink { text in FileHandle.standardError.write(Data(text.utf8)) }
    }

    /// A sink that drops everything.
    public static var discard: TextSink { TextSink { _ in } }
}
