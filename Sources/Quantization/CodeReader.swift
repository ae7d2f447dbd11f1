import Foundation

/// Reads codes back out of packed `raw_data` (the inverse of `CodeWriter`).
struct CodeReader {
    /// The format being read.
    let format: QuantFormat
    /// The packed bytes.
    let bytes: [UInt8]

    /// A reader over `data`, refusing a byte count that does not match `count` elements.
    init(format: QuantFormat, data: Data, count: Int, tensor: String) throws {
        let expected = (count * format.bitWidth + 7) / 8
        guard data.count == expected else {
            throw QuantizationError.invalidTensor(
                tensor: tensor,
                reason: "\(data.count) bytes of \(format) data for \(count) elements (expected \(expected))")
        }
        self.format = format
        bytes = [UInt8](data)
    }

    /// The code of element `index`: the signed or unsigned integer value, or the float8 bit pattern.
    func code(at index: Int) -> Int {
        switch format.bitWidth {
        case 2:
            let crumb = Int((bytes[index >> 2] >> UInt8((index & 3) * 2)) & 0x03)
            return format.isSigned && crumb >= 2 ? crumb - 4 : crumb
        case 4:
            if format == .float4e2m1 { return Int((bytes[index >> 1] >> UInt8((index & 1) * 4)) & 0x0F) }
            let nibble = Int((bytes[index >> 1] >> UInt8((index & 1) * 4)) & 0x0F)
            return format.isSigned && nibble >= 8 ? nibble - 16 : nibble
        case 16:
            let bits = UInt16(bytes[2 * index]) | UInt16(bytes[2 * index + 1]) << 8
            return format.isSigned ? Int(Int16(bitPattern: bits)) : Int(bits)
        default:
            let byte = bytes[index]
            return format == .int8 ? Int(Int8(bitPattern: byte)) : Int(byte)
        }
    }
}
