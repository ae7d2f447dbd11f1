import Foundation

extension CalibrationCache {
    /// ONNX Runtime's `calibration.flatbuffers`: a `TrtTable` whose field 0 is a vector of `KeyValue` tables
    /// (field 0 the tensor name, field 1 its value as decimal text), read without a flatbuffers library:
    /// every offset is bounds-checked, so a damaged file is an error, never a crash.
    static func flatBufferRanges(_ data: Data, path: String) throws -> [String: CalibrationRange] {
        let reader = FlatBufferReader(bytes: [UInt8](data))
        func fail(_ reason: String) -> CalibrationError {
            CalibrationError.table(path: path, reason: "flatbuffer: \(reason)")
        }
        guard let root = reader.offset(at: 0), let dictionary = reader.field(0, ofTable: root),
            let vector = reader.offset(at: dictionary), let count = reader.uint32(at: vector)
        else { throw fail("no TrtTable with a dict vector") }
        var ranges: [String: CalibrationRange] = [:]
        for index in 0..<Int(count) {
            guard let table = reader.offset(at: vector + 4 + 4 * index),
                let name = reader.string(field: 0, ofTable: table), let text = reader.string(field: 1, ofTable: table)
            else { throw fail("entry \(index) is not a key/value pair") }
            guard let value = Float(text), value.isFinite else {
                throw fail("tensor '\(name)': value '\(text)' is not a finite number")
            }
            ranges[name] = CalibrationRange(min: -value.magnitude, max: value.magnitude)
        }
        return ranges
    }
}

/// Little-endian flatbuffer reading with every position checked against the buffer.
private struct FlatBufferReader {
    let bytes: [UInt8]

    func uint32(at position: Int) -> UInt32? {
        guard position >= 0, position + 4 <= bytes.count else { return nil }
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[position + $1]) << (8 * $1) }
    }

    func uint16(at position: Int) -> Int? {
        guard position >= 0, position + 2 <= bytes.count else { return nil }
        return Int(bytes[position]) | Int(bytes[position + 1]) << 8
    }

    /// The position an unsigned offset stored at `position` points to.
    func offset(at position: Int) -> Int? {
        guard let relative = uint32(at: position) else { return nil }
        let target = position + Int(relative)
        return target < bytes.count ? target : nil
    }

    /// The position of field `index` of the table at `table`, or nil when absent.
    func field(_ index: Int, ofTable table: Int) -> Int? {
        guard let back = uint32(at: table) else { return nil }
        let vtable = table - Int(Int32(bitPattern: back))
        guard let size = uint16(at: vtable), 4 + 2 * index + 2 <= size,
            let slot = uint16(at: vtable + 4 + 2 * index), slot != 0
        else { return nil }
        return table + slot
    }

    func string(field index: Int, ofTable table: Int) -> String? {
        guard let position = field(index, ofTable: table), let start = offset(at: position),
            let length = uint32(at: start), start + 4 + Int(length) <= bytes.count
        else { return nil }
        return String(bytes: bytes[(start + 4)..<(start + 4 + Int(length))], encoding: .utf8)
    }
}
