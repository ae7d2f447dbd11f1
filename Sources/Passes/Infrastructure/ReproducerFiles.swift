import Foundation
import OnnxIO

/// The folder a reproducer is written to, and the one way files get into it.
public struct ReproducerFiles {
    /// The folder, as the user named it (so paths in the reproducer's pipeline work from the same folder).
    public let directory: String

    /// Creates a writer into `directory`.
    public init(directory: String) {
        self.directory = directory
    }

    /// The path of `name` in the folder, as the reproducer's pipeline names it.
    public func path(_ name: String) -> String {
        (directory as NSString).appendingPathComponent(name)
    }

    /// Writes `data` to `name` in the folder atomically and returns its path.
    @discardableResult
    public func write(_ data: Data, named name: String) throws -> String {
        let path = path(name)
        do {
            try AtomicFile.write(data, to: path)
        } catch {
            throw PassManagerError.dumpFailed(path: path, reason: IRTreeDumper.oneLine("\(error)"))
        }
        return path
    }
}
