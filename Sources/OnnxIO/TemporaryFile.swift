import Foundation

/// A temporary path beside a destination, renamed over it on commit and removed on discard.
///
/// Being in the same folder keeps the rename atomic (one file system), so readers
/// see either the old file or the complete new one.
struct TemporaryFile {
    /// Where the file ends up.
    let destination: String
    /// Where it is written first.
    let path: String

    /// Picks a fresh temporary name beside `destination`.
    init(destination: String) {
        self.destination = destination
        let url = URL(fileURLWithPath: destination)
        let folder = url.deletingLastPathComponent().path
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        path = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())-" + suffix
    }

    /// Renames the temporary file over the destination.
    func commit() throws {
        guard rename(path, destination) == 0 else {
            let code = errno
            discard()
            throw SystemError.error(path: destination, operation: "rename", code: code)
        }
    }

    /// Removes the temporary file if it exists.
    func discard() {
        _ = unlink(path)
    }

    /// `error` with the temporary path replaced by the destination, so messages name the file the user asked for.
    func relabeled(_ error: Error) -> Error {
        guard var ioError = error as? OnnxIOError, ioError.path == path else { return error }
        ioError.path = destination
        return ioError
    }
}
