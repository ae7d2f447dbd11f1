import Foundation
import Testing

@testable import TensorFiles

/// `ZipCRC32` (carry-less multiplication for runs of 64 bytes and more, a table loop for the rest)
/// against the bit-at-a-time definition, over lengths around the 16- and 64-byte steps, odd
/// starting addresses and updates split at arbitrary points.
@Suite struct ZipCRC32Tests {
    /// The CRC-32 register after `bytes`, one bit at a time (polynomial 0xEDB88320).
    static func reference(_ bytes: some Sequence<UInt8>, from start: UInt32 = 0xFFFF_FFFF) -> UInt32 {
        var crc = start
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return crc
    }

    static let bytes: [UInt8] = (0..<5000).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }

    @Test func knownValue() {
        var crc = ZipCRC32()
        crc.update(Data("123456789".utf8))
        #expect(crc.value == 0xCBF4_3926)
    }

    @Test func matchesTheDefinitionForEveryLengthAndOffset() {
        for offset in 0..<3 {
            for length in Array(0..<300) + [1023, 1024, 1025, 4096 + 15, 4999 - offset] {
                let slice = Self.bytes[offset..<(offset + length)]
                var crc = ZipCRC32()
                crc.update(Data(slice))
                let expected = Self.reference(slice) ^ 0xFFFF_FFFF
                #expect(crc.value == expected, "offset \(offset) length \(length)")
            }
        }
    }

    @Test func splitUpdatesGiveTheWholeCRC() {
        let expected = Self.reference(Self.bytes) ^ 0xFFFF_FFFF
        for cut in [1, 15, 16, 63, 64, 65, 100, 1000, 4990] {
            var crc = ZipCRC32()
            var start = 0
            while start < Self.bytes.count {
                let end = min(Self.bytes.count, start + cut)
                crc.update(Data(Self.bytes[start..<end]))
                start = end
            }
            #expect(crc.value == expected, "pieces of \(cut)")
        }
    }
}
