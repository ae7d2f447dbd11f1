import Foundation
import OnnxIO
import OnnxIR
import ZIPFoundation

/// Writes `.npz` archives that `numpy.load` reads.
public enum NpzWriter {
    /// Members get a fixed date so that equal arrays give byte-identical archives.
    private static let memberDate = Date(timeIntervalSince1970: 315_532_800)
    private static let chunkSize = 1 << 20

    /// Writes `arrays` as members `<name>.npy`, in the given order, atomically.
    public static func write(
        _ arrays: [(name: String, tensor: Tensor)], to path: String, compression: NpzCompression = .stored
    ) throws {
        var seen = Set<String>()
        for (name, _) in arrays {
            guard !name.isEmpty else { throw TensorFileError(path: path, reason: "an array has an empty name") }
            guard seen.insert(name).inserted else {
                throw TensorFileError(path: path, reason: "array '\(name)' is given more than once")
            }
        }
        try TensorFileError.rethrowing(path: path) {
            try AtomicFile.write(to: path) { temporaryPath in
                if FileManager.default.fileExists(atPath: temporaryPath) {
                    try FileManager.default.removeItem(atPath: temporaryPath)
                }
                if compression == .stored, try writeStored(arrays, to: temporaryPath, path: path) { return }
                let archive: Archive
                do {
                    archive = try Archive(url: URL(fileURLWithPath: temporaryPath), accessMode: .create)
                } catch {
                    throw TensorFileError(path: path, reason: "cannot create the archive (\(error))")
                }
                for (name, tensor) in arrays {
                    try addMember(name: name, tensor: tensor, to: archive, compression: compression, path: path)
                }
            }
        }
    }

    /// Writes the named tensors sorted by name.
    public static func write(_ arrays: [String: Tensor], to path: String, compression: NpzCompression = .stored) throws
    {
        try write(
            arrays.sorted { $0.key < $1.key }.map { (name: $0.key, tensor: $0.value) }, to: path,
            compression: compression)
    }

    /// Writes a stored archive without ZIPFoundation (see `StoredZipWriter`); false, with nothing
    /// left at `temporaryPath`, when the arrays need zip64.
    private static func writeStored(_ arrays: [(name: String, tensor: Tensor)], to temporaryPath: String, path: String)
        throws -> Bool
    {
        var writer: StoredZipWriter
        do {
            writer = try StoredZipWriter(path: temporaryPath)
        } catch {
            throw TensorFileError(path: path, reason: "cannot create the archive (\(error))")
        }
        for (name, tensor) in arrays {
            let (header, payload) = try NpyFile.encodedParts(tensor, path: "\(path):\(name).npy")
            let added: Bool
            do {
                added = try writer.add(name: name + ".npy", parts: [header, payload])
            } catch {
                throw TensorFileError(path: path, reason: "cannot write member '\(name).npy' (\(error))")
            }
            if !added {
                try? writer.finish()
                try FileManager.default.removeItem(atPath: temporaryPath)
                return false
            }
        }
        do {
            try writer.finish()
        } catch {
            throw TensorFileError(path: path, reason: "cannot finish the archive (\(error))")
        }
        return true
    }

    private static func addMember(
        name: String, tensor: Tensor, to archive: Archive, compression: NpzCompression, path: String
    ) throws {
        let (header, payload) = try NpyFile.encodedParts(tensor, path: "\(path):\(name).npy")
        let total = header.count + payload.count
        do {
            try archive.addEntry(
                with: name + ".npy", type: .file, uncompressedSize: Int64(total), modificationDate: memberDate,
                compressionMethod: compression == .deflated ? .deflate : .none, bufferSize: chunkSize
            ) { position, size in
                chunk(of: header, payload, from: Int(position), count: size)
            }
        } catch {
            throw TensorFileError(path: path, reason: "cannot write member '\(name).npy' (\(error))")
        }
    }

    /// Bytes `from..<from+count` of the concatenation of `header` and `payload`.
    private static func chunk(of header: Data, _ payload: Data, from start: Int, count: Int) -> Data {
        var chunk = Data(capacity: count)
        let end = start + count
        if start < header.count {
            chunk.append(header[(header.startIndex + start)..<(header.startIndex + min(end, header.count))])
        }
        let payloadStart = max(start, header.count) - header.count
        let payloadEnd = min(end - header.count, payload.count)
        if payloadEnd > payloadStart {
            chunk.append(payload[(payload.startIndex + payloadStart)..<(payload.startIndex + payloadEnd)])
        }
        return chunk
    }
}
