import Foundation

/// The members of a zip archive as its central directory lists them, with where each member's data lies.
///
/// Every offset and size is checked against the archive's bytes, so reading a member never runs past its
/// data: ZIPFoundation's reader inflates until the deflate stream ends, and on a stream that never ends
/// it read the end of the file for ever.
struct ZipDirectory {
    /// One member: where its data starts and how it is stored.
    struct Member {
        /// The name, `/`-separated; folders end with `/`.
        var name: String
        /// 0: stored, 8: deflated.
        var method: UInt16
        /// The CRC-32 of the member's uncompressed bytes, as the central directory records it.
        var checksum: UInt32
        /// The size of the data in the archive.
        var compressedSize: Int
        /// The size once inflated.
        var uncompressedSize: Int
        /// The offset of the first byte of data in the archive.
        var dataOffset: Int
    }

    /// A problem with the archive's structure, the text of an error.
    struct Problem: Error {
        var reason: String
    }

    /// The members in archive order.
    let members: [Member]

    /// Reads the directory of the archive `bytes`.
    init(_ bytes: Data) throws {
        let reader = ByteReader(bytes)
        let end = try Self.endOfCentralDirectory(reader)
        var count = Int(try reader.uint16(end + 10))
        var directorySize = Int(try reader.uint32(end + 12))
        var directoryOffset = Int(try reader.uint32(end + 16))
        // Zip64: the locator sits just before the end record and points at the zip64 end record.
        if end >= 20, try reader.uint32(end - 20) == 0x0706_4B50 {
            let record = try reader.offset(try reader.uint64(end - 20 + 8), "zip64 end record")
            guard try reader.uint32(record) == 0x0606_4B50 else { throw Problem(reason: "no zip64 end record") }
            count = try reader.offset(try reader.uint64(record + 32), "member count")
            directorySize = try reader.offset(try reader.uint64(record + 40), "central directory size")
            directoryOffset = try reader.offset(try reader.uint64(record + 48), "central directory offset")
        }
        guard directoryOffset <= bytes.count, directorySize <= bytes.count - directoryOffset else {
            throw Problem(reason: "the central directory lies outside the file")
        }
        // Each record takes at least 46 bytes: a count the directory cannot hold is refused before looping.
        guard count <= directorySize / 46 else {
            throw Problem(reason: "the central directory cannot hold \(count) members")
        }
        var members: [Member] = []
        members.reserveCapacity(count)
        var position = directoryOffset
        for _ in 0..<count {
            let (member, next) = try Self.member(at: position, reader)
            members.append(member)
            position = next
        }
        self.members = members
    }

    /// The offset of the end-of-central-directory record: the last signature within the 64 KiB a comment
    /// may take.
    private static func endOfCentralDirectory(_ reader: ByteReader) throws -> Int {
        let count = reader.bytes.count
        guard count >= 22 else { throw Problem(reason: "too short for a zip archive (\(count) bytes)") }
        var candidate = count - 22
        let lowest = max(0, count - 22 - 0xFFFF)
        while candidate >= lowest {
            if try reader.uint32(candidate) == 0x0605_4B50 { return candidate }
            candidate -= 1
        }
        throw Problem(reason: "no end of central directory record")
    }

    /// The central-directory record at `position` and the position of the next one.
    private static func member(at position: Int, _ reader: ByteReader) throws -> (Member, Int) {
        guard try reader.uint32(position) == 0x0201_4B50 else {
            throw Problem(reason: "no central directory record at offset \(position)")
        }
        let flags = try reader.uint16(position + 8)
        let method = try reader.uint16(position + 10)
        let checksum = try reader.uint32(position + 16)
        var compressed = UInt64(try reader.uint32(position + 20))
        var uncompressed = UInt64(try reader.uint32(position + 24))
        let nameLength = Int(try reader.uint16(position + 28))
        let extraLength = Int(try reader.uint16(position + 30))
        let commentLength = Int(try reader.uint16(position + 32))
        var localHeader = UInt64(try reader.uint32(position + 42))
        let nameBytes = try reader.slice(position + 46, nameLength)
        let name =
            String(bytes: nameBytes, encoding: .utf8) ?? String(decoding: nameBytes, as: UTF8.self)
        // The zip64 extra field holds, in this order, each size or offset whose 32-bit field is all ones.
        var extra = position + 46 + nameLength
        let extraEnd = extra + extraLength
        while extra + 4 <= extraEnd {
            let id = try reader.uint16(extra)
            let size = Int(try reader.uint16(extra + 2))
            guard extra + 4 + size <= extraEnd else { throw Problem(reason: "member '\(name)': extra field overruns") }
            if id == 0x0001 {
                var field = extra + 4
                func widen(_ value: inout UInt64) throws {
                    guard value == 0xFFFF_FFFF else { return }
                    guard field + 8 <= extra + 4 + size else {
                        throw Problem(reason: "member '\(name)': zip64 field too short")
                    }
                    value = try reader.uint64(field)
                    field += 8
                }
                try widen(&uncompressed)
                try widen(&compressed)
                try widen(&localHeader)
            }
            extra += 4 + size
        }
        guard flags & 1 == 0 else { throw Problem(reason: "member '\(name)' is encrypted") }
        let compressedSize = try reader.offset(compressed, "member '\(name)': compressed size")
        guard let uncompressedSize = Int(exactly: uncompressed) else {
            throw Problem(reason: "member '\(name)': size \(uncompressed) is too large")
        }
        let header = try reader.offset(localHeader, "member '\(name)': offset")
        guard try reader.uint32(header) == 0x0403_4B50 else {
            throw Problem(reason: "member '\(name)': no local header at offset \(header)")
        }
        let dataOffset = header + 30 + Int(try reader.uint16(header + 26)) + Int(try reader.uint16(header + 28))
        guard dataOffset <= reader.bytes.count, compressedSize <= reader.bytes.count - dataOffset else {
            throw Problem(reason: "member '\(name)': its \(compressedSize) bytes of data run past the end of the file")
        }
        let member = Member(
            name: name, method: method, checksum: checksum, compressedSize: compressedSize,
            uncompressedSize: uncompressedSize, dataOffset: dataOffset)
        return (member, position + 46 + nameLength + extraLength + commentLength)
    }

    /// Little-endian reads that throw instead of running past the end.
    private struct ByteReader {
        let bytes: Data

        init(_ bytes: Data) { self.bytes = bytes }

        func slice(_ offset: Int, _ count: Int) throws -> Data {
            guard offset >= 0, count >= 0, offset <= bytes.count, count <= bytes.count - offset else {
                throw Problem(reason: "truncated at offset \(offset)")
            }
            let start = bytes.startIndex + offset
            return bytes[start..<start + count]
        }

        /// The little-endian unsigned number of `count` bytes at `offset`.
        func unsigned(_ offset: Int, _ count: Int) throws -> UInt64 {
            var value: UInt64 = 0
            for (index, byte) in try slice(offset, count).enumerated() {
                value |= UInt64(byte) << (8 * index)
            }
            return value
        }

        func uint16(_ offset: Int) throws -> UInt16 { UInt16(try unsigned(offset, 2)) }

        func uint32(_ offset: Int) throws -> UInt32 { UInt32(try unsigned(offset, 4)) }

        func uint64(_ offset: Int) throws -> UInt64 { try unsigned(offset, 8) }

        /// `value` as an offset or size within the file.
        func offset(_ value: UInt64, _ what: String) throws -> Int {
            guard value <= UInt64(bytes.count) else {
                throw Problem(reason: "\(what) \(value) is past the end of the file (\(bytes.count) bytes)")
            }
            return Int(value)
        }
    }
}
