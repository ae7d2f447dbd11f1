import CProtobufC
import Foundation

/// Writes bytes to a new file through a staging buffer, remembering the first failure.
///
/// `append` cannot throw because protobuf-c calls it from C while packing; the
/// first error is kept and later appends are ignored, and `finish()` reports it.
/// Large chunks (tensor bytes) skip the staging buffer and go straight to `write(2)`.
final class FileSink {
    /// The file being written.
    let path: String
    /// Bytes appended so far (the offset the next append lands at).
    private(set) var position = 0
    private var descriptor: Int32
    private let staging: UnsafeMutableRawPointer
    private let stagingCapacity = 1 << 20
    private var staged = 0
    private var failure: OnnxIOError?

    /// Creates (or truncates) the file at `path`.
    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw SystemError.error(path: path, operation: "create", code: errno) }
        staging = UnsafeMutableRawPointer.allocate(byteCount: stagingCapacity, alignment: 16)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        staging.deallocate()
    }

    /// Appends bytes; a failure is recorded for `finish()`.
    func append(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, let start = bytes.baseAddress, bytes.count > 0 else { return }
        position += bytes.count
        if bytes.count >= stagingCapacity / 4 {
            flush()
            writeFully(start, bytes.count)
            return
        }
        if staged + bytes.count > stagingCapacity { flush() }
        staging.advanced(by: staged).copyMemory(from: start, byteCount: bytes.count)
        staged += bytes.count
    }

    /// Appends `count` zero bytes (alignment padding).
    func appendZeros(_ count: Int) {
        guard count > 0 else { return }
        let zeros = [UInt8](repeating: 0, count: count)
        zeros.withUnsafeBytes { append($0) }
    }

    /// Flushes, closes the file and throws the first failure, if any.
    func finish() throws {
        flush()
        if descriptor >= 0 {
            if close(descriptor) != 0, failure == nil {
                failure = SystemError.error(path: path, operation: "close", code: errno)
            }
            descriptor = -1
        }
        if let failure { throw failure }
    }

    /// Packs `message` into the file through protobuf-c's streaming packer.
    ///
    /// - Parameter consumed: called with each piece once it is in the file (to release mapped tensor pages).
    func pack(
        _ message: UnsafeMutablePointer<ProtobufCMessage>, consumed: (UnsafeRawBufferPointer) -> Void = { _ in }
    ) throws {
        ProtoMessage.pack(message) { piece in
            append(piece)
            consumed(piece)
        }
        if let failure { throw failure }
    }

    private func flush() {
        guard staged > 0 else { return }
        let count = staged
        staged = 0
        writeFully(staging, count)
    }

    private func writeFully(_ start: UnsafeRawPointer, _ count: Int) {
        var done = 0
        while done < count, failure == nil {
            let written = write(descriptor, start.advanced(by: done), min(count - done, 1 << 30))
            if written < 0 {
                if errno == EINTR { continue }
                failure = SystemError.error(path: path, operation: "write", code: errno)
            } else {
                done += written
            }
        }
    }
}
