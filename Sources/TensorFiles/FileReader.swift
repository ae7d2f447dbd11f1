import Foundation
import OnnxIO

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An open file read with positioned reads straight into the caller's buffers.
///
/// Reading into the final buffer with `pread` is what keeps `.npy` loading at disk
/// speed: no intermediate chunks, no per-element work.
final class FileReader {
    /// The path, for messages.
    let path: String
    /// The file's size in bytes.
    let size: Int
    private let descriptor: Int32

    /// Opens `path` for reading.
    init(path: String) throws {
        self.path = path
        // Non-blocking, so a named pipe opens at once and is refused below instead of waiting for a writer.
        descriptor = open(path, O_RDONLY | O_NONBLOCK)
        guard descriptor >= 0 else {
            throw TensorFileError(path: path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            close(descriptor)
            throw TensorFileError(path: path, reason: "cannot stat: \(String(cString: strerror(errno)))")
        }
        if let problem = RegularFile.problem(mode: status.st_mode) {
            close(descriptor)
            throw TensorFileError(path: path, reason: "\(problem)")
        }
        size = Int(status.st_size)
    }

    deinit { close(descriptor) }

    /// Up to `count` bytes from `offset` (fewer only at the end of the file).
    func bytes(count: Int, at offset: Int) throws -> [UInt8] {
        let available = max(0, min(count, size - offset))
        var buffer = [UInt8](repeating: 0, count: available)
        let read = try buffer.withUnsafeMutableBytes { try fill($0, from: offset) }
        return Array(buffer[0..<read])
    }

    /// Exactly `count` bytes from `offset`, or an error naming `what` if the file is shorter.
    func data(count: Int, at offset: Int, what: String) throws -> Data {
        guard offset <= size, count <= size - offset else {
            throw TensorFileError(
                path: path,
                reason: "file is truncated: \(what) needs \(count) bytes at offset \(offset), the file has \(size)")
        }
        guard let buffer = PayloadBuffer(capacity: count) else {
            throw TensorFileError(path: path, reason: "cannot allocate \(count) bytes for \(what)")
        }
        try buffer.fill { try fill($0, from: offset) }
        guard buffer.count == count else {
            throw TensorFileError(
                path: path, reason: "file is truncated: read \(buffer.count) of \(count) bytes of \(what)")
        }
        return buffer.takeData()
    }

    /// Reads into `buffer` until it is full or the file ends; returns the bytes read.
    private func fill(_ buffer: UnsafeMutableRawBufferPointer, from offset: Int) throws -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < buffer.count {
            let result = pread(descriptor, base + done, buffer.count - done, off_t(offset + done))
            if result < 0 {
                if errno == EINTR { continue }
                throw TensorFileError(path: path, reason: "read failed: \(String(cString: strerror(errno)))")
            }
            if result == 0 { break }
            done += result
        }
        return done
    }
}
