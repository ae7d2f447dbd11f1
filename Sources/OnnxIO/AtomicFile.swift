import Foundation

/// Writes files all at once: a temporary file in the same folder, renamed over the destination.
///
/// A failure leaves no file behind and the destination untouched. The file is not
/// `fsync`ed, so atomicity holds against other processes and against this one
/// failing, not against a power cut (the same as `onnx.save`).
public enum AtomicFile {
    /// Writes `data` to `path` atomically.
    public static func write(_ data: Data, to path: String) throws {
        try write(to: path) { temporary in
            let sink = try FileSink(path: temporary)
            data.withUnsafeBytes { sink.append($0) }
            try sink.finish()
        }
    }

    /// Lets `body` write a temporary path, then renames it to `path`; if `body` throws, the temporary file is removed.
    ///
    /// A `path` that names a folder, device, pipe or socket (symbolic links followed) is refused: renaming
    /// over it would replace, say, `/dev/null` with a regular file.
    public static func write(to path: String, _ body: (String) throws -> Void) throws {
        switch RegularFile.problem(atPath: path) {
        case nil, .missing?, .unreadable?:
            break
        case let problem?:
            throw OnnxIOError(
                path: path, reason: .system(operation: "write", message: "\(problem); only regular files are written"))
        }
        let temporary = TemporaryFile(destination: path)
        do {
            try body(temporary.path)
            try temporary.commit()
        } catch {
            temporary.discard()
            throw temporary.relabeled(error)
        }
    }
}
