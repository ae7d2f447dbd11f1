import Foundation
import OnnxIO
import OnnxIR
import ZIPFoundation

/// An open `.npz` archive (numpy's `savez` / `savez_compressed`) whose arrays load one at a time.
///
/// Opening maps the file and reads only the zip directory; `tensor(named:)` inflates one member.
/// Keys are member names without `.npy`, in archive order; members that are not
/// `.npy` files, and folders, are not arrays and are skipped. Stored and
/// deflated members are both read, and each member's CRC-32 is checked against the archive's.
/// Safe to use from several threads.
public final class NpzReader: Sendable {
    /// The archive's path, for messages.
    public let path: String
    /// The array names, in archive order.
    public let keys: [String]
    /// The whole file, memory-mapped.
    private let bytes: Data
    private let members: [String: ZipDirectory.Member]
    /// Chunk size for inflating: large enough that per-chunk overhead vanishes.
    private static let chunkSize = 1 << 20

    /// Opens the archive at `path` and lists its arrays.
    public init(path: String) throws {
        self.path = path
        // Checked before mapping: a named pipe would block, a device never end.
        switch RegularFile.problem(atPath: path) {
        case nil: break
        case .folder?: throw TensorFileError(path: path, reason: "is a folder, not an .npz file")
        case let problem?: throw TensorFileError(path: path, reason: "cannot open: \(problem)")
        }
        let directory: ZipDirectory
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
            directory = try ZipDirectory(bytes)
        } catch let problem as ZipDirectory.Problem {
            throw TensorFileError(path: path, reason: "not a valid zip archive (\(problem.reason))")
        } catch {
            throw TensorFileError(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        var keys: [String] = []
        var members: [String: ZipDirectory.Member] = [:]
        for member in directory.members where !member.name.hasSuffix("/") && member.name.hasSuffix(".npy") {
            let key = String(member.name.dropLast(4))
            guard members[key] == nil else {
                throw TensorFileError(path: path, reason: "member '\(member.name)' appears more than once")
            }
            keys.append(key)
            members[key] = member
        }
        self.keys = keys
        self.members = members
    }

    /// The array `key` as a tensor named `key`.
    public func tensor(named key: String) throws -> Tensor {
        let (member, memberPath) = try member(key)
        var decoder = NpyStreamDecoder(path: memberPath, fileSize: member.uncompressedSize)
        var checksum = ZipCRC32()
        try extract(member, memberPath: memberPath) { chunk in
            checksum.update(chunk)
            try decoder.consume(chunk)
        }
        // Checked before the npy decoder's own checks: a member whose bytes changed is corrupt, whatever
        // they now say.
        guard checksum.value == member.checksum else {
            throw TensorFileError(
                path: memberPath,
                reason: "corrupt zip member: its bytes have CRC-32 \(Self.hex(checksum.value)), the archive records "
                    + Self.hex(member.checksum))
        }
        var tensor = try decoder.finish()
        tensor.name = key
        return tensor
    }

    /// The `.npy` header of array `key`, inflating only as much of the member as the header takes.
    func header(named key: String) throws -> NpyHeader {
        let (member, memberPath) = try member(key)
        var decoder = NpyStreamDecoder(path: memberPath, fileSize: nil)
        try extract(member, memberPath: memberPath) { chunk in
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

    /// `value` as 8 hexadecimal digits, as zip tools print checksums.
    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// Thrown by a consumer to stop inflating once the header is known.
    private struct HeaderFound: Error {}

    /// Thrown by the provider when a deflate stream has not ended by the end of the member's data.
    private struct StreamOverrun: Error {}

    private func member(_ key: String) throws -> (member: ZipDirectory.Member, path: String) {
        guard let member = members[key] else {
            throw TensorFileError(path: path, reason: "has no array '\(key)' (arrays: \(keys.joined(separator: ", ")))")
        }
        return (member, "\(path):\(member.name)")
    }

    /// Feeds the member's uncompressed bytes to `consumer`, reading nothing outside the member's data and
    /// turning zip failures into `TensorFileError`.
    private func extract(_ member: ZipDirectory.Member, memberPath: String, consumer: (Data) throws -> Void) throws {
        let start = bytes.startIndex + member.dataOffset
        let data = bytes[start..<start + member.compressedSize]
        do {
            switch member.method {
            case 0:
                guard member.compressedSize == member.uncompressedSize else {
                    throw TensorFileError(
                        path: memberPath,
                        reason: "corrupt zip member: stored with \(member.compressedSize) bytes but "
                            + "\(member.uncompressedSize) uncompressed")
                }
                var offset = data.startIndex
                repeat {
                    let end = min(offset + Self.chunkSize, data.endIndex)
                    try consumer(Data(data[offset..<end]))
                    offset = end
                } while offset < data.endIndex
            case 8:
                var produced = 0
                let bufferSize = max(4096, min(Self.chunkSize, member.uncompressedSize))
                _ = try Data.decompress(
                    size: Int64(member.compressedSize), bufferSize: bufferSize, skipCRC32: true,
                    provider: { position, size in
                        // ZIPFoundation asks for more until the stream ends: past the member's data it
                        // would read for ever, so the stream is corrupt there.
                        guard position >= 0, position < Int64(data.count) else { throw StreamOverrun() }
                        let from = data.startIndex + Int(position)
                        var chunk = Data(data[from..<min(from + size, data.endIndex)])
                        // ZIPFoundation hands zlib `size` bytes whatever the chunk holds: the last chunk is
                        // padded with zeros (an invalid deflate block) so zlib never reads past it.
                        if chunk.count < size { chunk.append(Data(count: size - chunk.count)) }
                        return chunk
                    },
                    consumer: { chunk in
                        produced += chunk.count
                        guard produced <= member.uncompressedSize else {
                            throw TensorFileError(
                                path: memberPath,
                                reason:
                                    "corrupt zip member: inflates to more than its \(member.uncompressedSize) bytes")
                        }
                        try consumer(chunk)
                    })
            default:
                throw TensorFileError(
                    path: memberPath,
                    reason: "zip compression method \(member.method) is not supported (stored, deflated)")
            }
        } catch is HeaderFound {
            return
        } catch let error as TensorFileError {
            throw error
        } catch is StreamOverrun {
            throw TensorFileError(
                path: memberPath, reason: "corrupt zip member: its deflate stream does not end within its data")
        } catch {
            throw TensorFileError(path: memberPath, reason: "corrupt zip member (\(error))")
        }
    }
}
