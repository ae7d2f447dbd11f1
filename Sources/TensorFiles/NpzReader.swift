import Foundation
import OnnxIO
import OnnxIR
import ZIPFoundation

/// An open `.npz` archive (numpy's `savez` / `savez_compressed`) whose arrays load one at a time.
///
/// Opening reads only the zip directory; `tensor(named:)` inflates one member.
/// Keys are member names without `.npy`, in archive order; members that are not
/// `.npy` files, and folders, are not arrays and are skipped. Stored and
/// deflated members are both read. Safe to use from several threads (reads are serialized).
public final class NpzReader: @unchecked Sendable {
    /// The archive's path, for messages.
    public let path: String
    /// The array names, in archive order.
    public let keys: [String]
    private let archive: Archive
    private let entries: [String: Entry]
    private let lock = NSLock()
    /// Chunk size for the zip reader: large enough that per-chunk overhead vanishes.
    private static let chunkSize = 1 << 20

    /// Opens the archive at `path` and lists its arrays.
    public init(path: String) throws {
        self.path = path
        // Checked before the zip reader opens it: a named pipe would block, a device never end.
        switch RegularFile.problem(atPath: path) {
        case nil: break
        case .folder?: throw TensorFileError(path: path, reason: "is a folder, not an .npz file")
        case let problem?: throw TensorFileError(path: path, reason: "cannot open: \(problem)")
        }
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw TensorFileError(path: path, reason: "not a valid zip archive (\(error))")
        }
        var keys: [String] = []
        var entries: [String: Entry] = [:]
        for entry in archive where entry.type == .file && entry.path.hasSuffix(".npy") {
            let key = String(entry.path.dropLast(4))
            guard entries[key] == nil else {
                throw TensorFileError(path: path, reason: "member '\(entry.path)' appears more than once")
            }
            keys.append(key)
            entries[key] = entry
        }
        self.keys = keys
        self.entries = entries
    }

    /// The array `key` as a tensor named `key`.
    public func tensor(named key: String) throws -> Tensor {
        let (entry, memberPath) = try member(key)
        let expectedSize = Int(clamping: entry.uncompressedSize)
        var decoder = NpyStreamDecoder(path: memberPath, fileSize: expectedSize)
        try extract(entry, memberPath: memberPath, chunkSize: max(1, min(Self.chunkSize, expectedSize))) { chunk in
            try decoder.consume(chunk)
        }
        var tensor = try decoder.finish()
        tensor.name = key
        return tensor
    }

    /// The `.npy` header of array `key`, inflating only as much of the member as the header takes.
    func header(named key: String) throws -> NpyHeader {
        let (entry, memberPath) = try member(key)
        var decoder = NpyStreamDecoder(path: memberPath, fileSize: nil)
        try extract(entry, memberPath: memberPath, chunkSize: 4096) { chunk in
            try decoder.consume(chunk)
            if decoder.parsedHeader != nil { throw HeaderFound() }
        }
        guard let header = decoder.parsedHeader else {
            _ = try decoder.finish()
            throw TensorFileError(path: memberPath, reason: "file ends inside the header")
        }
        return header
    }

    /// Every array, keyed by name.
    public func readAll() throws -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        for key in keys { tensors[key] = try tensor(named: key) }
        return tensors
    }

    /// Thrown by a consumer to stop inflating once the header is known.
    private struct HeaderFound: Error {}

    private func member(_ key: String) throws -> (entry: Entry, path: String) {
        guard let entry = entries[key] else {
            throw TensorFileError(path: path, reason: "has no array '\(key)' (arrays: \(keys.joined(separator: ", ")))")
        }
        return (entry, "\(path):\(entry.path)")
    }

    /// Feeds the member's bytes to `consumer`, turning zip failures into `TensorFileError`.
    private func extract(
        _ entry: Entry, memberPath: String, chunkSize: Int, consumer: (Data) throws -> Void
    ) throws {
        lock.lock()
        defer { lock.unlock() }
        do {
            // The CRC is left to zlib's stream checks and the npy size checks: ZIPFoundation's
            // own CRC on Linux is a byte-at-a-time loop that would dominate the read time.
            _ = try archive.extract(entry, bufferSize: chunkSize, skipCRC32: true, consumer: consumer)
        } catch is HeaderFound {
            return
        } catch let error as TensorFileError {
            throw error
        } catch {
            throw TensorFileError(path: memberPath, reason: "corrupt zip member (\(error))")
        }
    }
}
