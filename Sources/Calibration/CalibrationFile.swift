import Foundation
import OnnxIO

/// Reading and atomically writing the calibration files (tables and parts), with errors naming the file.
enum CalibrationFile {
    /// The bytes of the regular file at `path`.
    static func contents(atPath path: String) throws -> Data {
        if let problem = RegularFile.problem(atPath: path) {
            throw CalibrationError.table(path: path, reason: "cannot read: \(problem)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CalibrationError.table(path: path, reason: "cannot read the file")
        }
        return data
    }

    /// Writes `data` to `path` atomically: a temporary file in the same folder, renamed over `path`.
    static func write(_ data: Data, to path: String) throws {
        do {
            try AtomicFile.write(data, to: path)
        } catch let error as OnnxIOError {
            throw CalibrationError.table(path: error.path, reason: error.message)
        }
    }
}
