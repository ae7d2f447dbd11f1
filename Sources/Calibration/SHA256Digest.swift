import Crypto
import Foundation

/// SHA-256 digests as lowercase hex, for the model hash of calibration tables and reports.
///
/// The hashing itself is swift-crypto's (BoringSSL's on Linux); this only streams files into it.
public enum SHA256Digest {
    /// The digest of `data` as 64 lowercase hex digits.
    public static func hex(of data: Data) -> String {
        hex(Crypto.SHA256.hash(data: data))
    }

    /// The digest of the bytes `produce` hands to its argument, piece by piece, as 64 lowercase hex digits.
    public static func hex(streaming produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) rethrows
        -> String
    {
        var hasher = Crypto.SHA256()
        try produce { hasher.update(bufferPointer: $0) }
        return hex(hasher.finalize())
    }

    /// The digest of the file at `path`, read in 4 MiB pieces, as 64 lowercase hex digits.
    public static func hex(ofFileAt path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CalibrationError.unreadableFile(path: path, reason: "cannot open the file to hash it")
        }
        defer { try? handle.close() }
        var hasher = Crypto.SHA256()
        do {
            while let piece = try handle.read(upToCount: 4 << 20), !piece.isEmpty {
                hasher.update(data: piece)
            }
        } catch {
            throw CalibrationError.unreadableFile(path: path, reason: "read failed while hashing: \(error)")
        }
        return hex(hasher.finalize())
    }

    private static func hex(_ digest: Crypto.SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
