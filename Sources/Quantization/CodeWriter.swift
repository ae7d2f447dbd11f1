import Foundation

/// Packs quantized codes into ONNX `raw_data`: little-endian, 4-bit values two per byte, low nibble first,
/// 2-bit values four per byte, lowest bits first.
///
/// A code is the integer value for integer formats and the bit pattern for 8-bit floats.
struct CodeWriter {
    /// The format being written.
    let format: QuantFormat
    /// The packed bytes.
    private(set) var bytes: [UInt8]

    /// A buffer for `count` codes, all zero bits.
    init(format: QuantFormat, count: Int) {
        self.format = format
        bytes = [UInt8](repeating: 0, count: (count * format.bitWidth + 7) / 8)
    }

    /// Stores `code` (already in the format's range) at element `index`.
    @inline(__always)
    mutating func set(_ index: Int, code: Int) {
        switch format.bitWidth {
        case 2:
            let crumb = UInt8(truncatingIfNeeded: code) & 0x03
            let shift = UInt8((index & 3) * 2)
            bytes[index >> 2] = (bytes[index >> 2] & ~(0x03 << shift)) | (crumb << shift)
        case 4:
            let nibble = UInt8(truncatingIfNeeded: code) & 0x0F
            let shift = UInt8((index & 1) * 4)
            bytes[index >> 1] = (bytes[index >> 1] & ~(0x0F << shift)) | (nibble << shift)
        case 16:
            let bits = UInt16(truncatingIfNeeded: code)
            bytes[2 * index] = UInt8(truncatingIfNeeded: bits)
            bytes[2 * index + 1] = UInt8(truncatingIfNeeded: bits >> 8)
        default:
            bytes[index] = UInt8(truncatingIfNeeded: code)
        }
    }

    /// Stores the code of every element of `input`, found with `code(parameterIndex, value)`, and returns
    /// the index of the first NaN (which is left as code 0), if any.
    ///
    /// One loop nest over the layout, with no per-element closure call through the layout, because this is
    /// the hot path for large weights.
    mutating func store(
        _ input: UnsafeBufferPointer<Float>, layout: AxisLayout, code: (Int, Float) -> Int
    ) -> Int? {
        var firstNaN: Int?
        var element = 0
        for outer in 0..<layout.outerCount {
            for axisIndex in 0..<layout.axisLength {
                let base = outer * layout.outerStride + (axisIndex / layout.blockSize) * layout.groupStride
                for inner in 0..<layout.innerCount {
                    let value = input[element]
                    if value.isNaN {
                        if firstNaN == nil { firstNaN = element }
                    } else {
                        set(element, code: code(base + inner * layout.innerStride, value))
                    }
                    element += 1
                }
            }
        }
        return firstNaN
    }

    /// The bytes as `Data`.
    var data: Data { Data(bytes) }
}
