import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a file all at once: a temporary file next to it, renamed over it (no fsync, like `onnx.save`).
enum AtomicWrite {
    /// Writes `data` to `path`; on failure the destination is untouched and no temporary file is left.
    static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            throw CalibrationError.table(path: path, reason: "cannot create a temporary file in \(folder)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw CalibrationError.table(path: path, reason: "cannot replace the file: \(reason)")
        }
    }
}
