import Foundation

/// Writes a zip archive of uncompressed ("stored") members, as `numpy.savez` does.
///
/// ZIPFoundation computes each member's CRC-32 one byte at a time on Linux, which took a sixth
/// of `qdqc run`'s time on a model with large outputs; this writer uses `ZipCRC32` and writes
/// each payload straight from memory. Archives past the classic format's limits (4 GiB, 65,535
/// members) need zip64: `add` refuses such a member, and the caller starts over with ZIPFoundation.
/// The fields are the ones ZIPFoundation writes, so the archives are the same bytes as before.
struct StoredZipWriter {
    /// Members get 1980-01-01 00:00, the earliest DOS date, so equal arrays give equal archives.
    private static let dosDate: UInt16 = (1 << 5) | 1
    private static let limit = Int(UInt32.max)

    private let handle: FileHandle
    private var directory = Data()
    private var offset = 0
    private var count = 0

    /// Creates `path`, which must not exist yet.
    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        self.handle = handle
    }

    /// Appends the member `name` whose bytes are the concatenation of `parts`; returns false, writing
    /// nothing, when the archive would outgrow the classic format (then it needs zip64).
    mutating func add(name: String, parts: [Data]) throws -> Bool {
        let nameBytes = Data(name.utf8)
        let size = parts.reduce(0) { $0 + $1.count }
        let grown = offset + 30 + nameBytes.count + size
        guard count + 1 < Int(UInt16.max), nameBytes.count < Int(UInt16.max), size < Self.limit,
            grown + directory.count + 46 + nameBytes.count + 22 < Self.limit
        else { return false }
        var checksum = ZipCRC32()
        for part in parts { checksum.update(part) }
        var local = Data()
        local.appendLittleEndian(UInt32(0x0403_4b50))
        Self.appendCommonFields(to: &local, crc: checksum.value, size: size, nameLength: nameBytes.count)
        local.append(nameBytes)
        try handle.write(contentsOf: local)
        for part in parts { try handle.write(contentsOf: part) }
        directory.appendLittleEndian(UInt32(0x0201_4b50))
        directory.appendLittleEndian(UInt16(0x0315))  // made by: Unix, zip 2.1
        Self.appendCommonFields(to: &directory, crc: checksum.value, size: size, nameLength: nameBytes.count)
        directory.appendLittleEndian(UInt16(0))  // comment length
        directory.appendLittleEndian(UInt16(0))  // disk number
        directory.appendLittleEndian(UInt16(0))  // internal attributes
        directory.appendLittleEndian(UInt32(0o100644) << 16)  // external attributes: a regular file, rw-r--r--
        directory.appendLittleEndian(UInt32(offset))
        directory.append(nameBytes)
        offset = grown
        count += 1
        return true
    }

    /// Writes the central directory and closes the file.
    func finish() throws {
        var end = Data()
        end.appendLittleEndian(UInt32(0x0605_4b50))
        end.appendLittleEndian(UInt16(0))  // this disk
        end.appendLittleEndian(UInt16(0))  // disk of the directory
        end.appendLittleEndian(UInt16(count))
        end.appendLittleEndian(UInt16(count))
        end.appendLittleEndian(UInt32(directory.count))
        end.appendLittleEndian(UInt32(offset))
        end.appendLittleEndian(UInt16(0))  // comment length
        try handle.write(contentsOf: directory)
        try handle.write(contentsOf: end)
        try handle.close()
    }

    /// The fields local headers and central directory entries share, from "version needed" on.
    private static func appendCommonFields(to data: inout Data, crc: UInt32, size: Int, nameLength: Int) {
        data.appendLittleEndian(UInt16(20))  // version needed: 2.0
        data.appendLittleEndian(UInt16(0x0800))  // flags: names are UTF-8
        data.appendLittleEndian(UInt16(0))  // method: stored
        data.appendLittleEndian(UInt16(0))  // time 00:00
        data.appendLittleEndian(dosDate)
        data.appendLittleEndian(crc)
        data.appendLittleEndian(UInt32(size))  // compressed
        data.appendLittleEndian(UInt32(size))  // uncompressed
        data.appendLittleEndian(UInt16(nameLength))
        data.appendLittleEndian(UInt16(0))  // extra field length
    }
}

extension Data {
    /// Appends `value`'s bytes, least significant first.
    fileprivate mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
