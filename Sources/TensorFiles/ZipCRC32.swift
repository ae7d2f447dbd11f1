import CVectorMath
import Foundation

/// The CRC-32 a zip archive records for each member (zlib's polynomial 0xEDB88320), computed over chunks.
///
/// Carry-less multiplication where the CPU has it (`CVectorMath`'s `qdqc_crc32_update`, about five
/// times the table loop's speed), else eight bytes a step with eight tables ("slicing by 8"):
/// ZIPFoundation's own byte-at-a-time loop would dominate the time to read a large `.npz`.
struct ZipCRC32 {
    /// `tables[k * 256 + b]`: the CRC of byte `b` followed by `k` zero bytes.
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            tables[byte] = crc
        }
        for slice in 1..<8 {
            for byte in 0..<256 {
                let previous = tables[(slice - 1) * 256 + byte]
                tables[slice * 256 + byte] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()

    private var state: UInt32 = 0xFFFF_FFFF

    /// The CRC-32 of the bytes so far.
    var value: UInt32 { state ^ 0xFFFF_FFFF }

    /// Adds `bytes` to the checksum.
    mutating func update(_ bytes: Data) {
        var crc = state
        bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            Self.tables.withUnsafeBufferPointer { table in
                var index = 0
                let count = raw.count
                if let base = raw.baseAddress {
                    index = qdqc_crc32_update(base, count, &crc)
                }
                while index + 8 <= count {
                    let low = crc ^ UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt32.self))
                    let high = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: index + 4, as: UInt32.self))
                    crc =
                        table[7 * 256 + Int(low & 0xFF)] ^ table[6 * 256 + Int((low >> 8) & 0xFF)]
                        ^ table[5 * 256 + Int((low >> 16) & 0xFF)] ^ table[4 * 256 + Int(low >> 24)]
                        ^ table[3 * 256 + Int(high & 0xFF)] ^ table[2 * 256 + Int((high >> 8) & 0xFF)]
                        ^ table[256 + Int((high >> 16) & 0xFF)] ^ table[Int(high >> 24)]
                    index += 8
                }
                while index < count {
                    crc = (crc >> 8) ^ table[Int((crc ^ UInt32(raw[index])) & 0xFF)]
                    index += 1
                }
            }
        }
        state = crc
    }
}
