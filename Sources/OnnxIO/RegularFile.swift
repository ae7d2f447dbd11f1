import Foundation

/// Asks what a path names before a reader opens it: only regular files are read.
///
/// Opening a named pipe for reading blocks until a writer comes, and a device such as
/// `/dev/zero` never ends, so a model, sample or config given as one would hang qdqc.
/// Readers check first and refuse with a message saying what the path is instead.
public enum RegularFile {
    /// Why a path is not a regular file to read.
    public enum Problem: Equatable, Sendable, CustomStringConvertible {
        /// Nothing is there.
        case missing
        /// A folder.
        case folder
        /// A named pipe, device or socket: what it is.
        case special(String)
        /// `stat` failed for another reason: its message.
        case unreadable(String)

        /// The problem in words, for a message after the path.
        public var description: String {
            switch self {
            case .missing: return "no such file"
            case .folder: return "a folder, not a file"
            case .special(let kind): return "\(kind), not a regular file"
            case .unreadable(let message): return message
            }
        }
    }

    /// Nil when `path` (symbolic links followed) is a regular file, else what it is.
    public static func problem(atPath path: String) -> Problem? {
        var status = stat()
        guard stat(path, &status) == 0 else {
            let code = errno
            return code == ENOENT ? .missing : .unreadable(SystemError.message(code))
        }
        return problem(mode: status.st_mode)
    }

    /// Nil for the mode of a regular file, else what the mode says the file is.
    public static func problem(mode: mode_t) -> Problem? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return .folder
        case S_IFIFO: return .special("a named pipe")
        case S_IFCHR, S_IFBLK: return .special("a device")
        case S_IFSOCK: return .special("a socket")
        default: return .special("a special file")
        }
    }
}
