import Foundation
import OnnxIR

/// Packing of element types narrower than a byte (2, 4 and 6 bits) as ONNX's `raw_data` stores them:
/// one LSB-first bit stream, the first element in the lowest bits of the first byte.
enum SubByteElements {
    /// The width in bits if `type` is packed below a byte.
    static func bitWidth(of type: DataType) -> Int? {
        guard let bits = type.bitWidth, bits < 8 else { return nil }
        return bits
    }

    /// Whether the element type's codes are two's-complement signed.
    static func isSigned(_ type: DataType) -> Bool { type == .int4 || type == .int2 }

    /// The range of element values the text may give for a packed type.
    static func valueRange(of type: DataType, bits: Int) -> ClosedRange<Int64> {
        isSigned(type) ? -(1 << (bits - 1))...((1 << (bits - 1)) - 1) : 0...((1 << bits) - 1)
    }

    /// The elements of packed `data`, sign-extended for signed types.
    static func unpack(_ data: Data, count: Int, bits: Int, signed: Bool) -> [Int64] {
        var values: [Int64] = []
        values.reserveCapacity(count)
        let mask = (1 << bits) - 1
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            for index in 0..<count {
                let bit = index * bits
                var code = 0
                for offset in 0..<bits where (bit + offset) / 8 < buffer.count {
                    let position = bit + offset
                    code |= Int((buffer[position / 8] >> UInt8(position % 8)) & 1) << offset
                }
                code &= mask
                if signed && code & (1 << (bits - 1)) != 0 { code -= 1 << bits }
                values.append(Int64(code))
            }
        }
        return values
    }

    /// Packs element values (already range-checked) into the bit stream.
    static func pack(_ values: [Int64], bits: Int) -> Data {
        var bytes = [UInt8](repeating: 0, count: (values.count * bits + 7) / 8)
        let mask = Int64((1 << bits) - 1)
        for (index, value) in values.enumerated() {
            let code = value & mask
            for offset in 0..<bits where code & (1 << Int64(offset)) != 0 {
                let position = index * bits + offset
                bytes[position / 8] |= 1 << UInt8(position % 8)
            }
        }
        return Data(bytes)
    }
}
