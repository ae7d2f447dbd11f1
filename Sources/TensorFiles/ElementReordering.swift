import Foundation

/// Puts elements read from a file into little-endian, row-major (C) order.
enum ElementReordering {
    /// Reverses the bytes of every `width`-byte unit of `data` in place (big-endian to little-endian).
    static func swapBytes(_ data: inout Data, width: Int) {
        guard width > 1 else { return }
        data.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            let bytes = base.assumingMemoryBound(to: UInt8.self)
            var offset = 0
            while offset + width <= buffer.count {
                var low = offset
                var high = offset + width - 1
                while low < high {
                    let byte = bytes[low]
                    bytes[low] = bytes[high]
                    bytes[high] = byte
                    low += 1
                    high -= 1
                }
                offset += width
            }
        }
    }

    /// Rewrites column-major (Fortran) data of shape `shape` in row-major order.
    static func fortranToC(_ data: Data, shape: [Int64], itemSize: Int) -> Data {
        let sizes = shape.map { Int($0) }
        // With at most one dimension larger than 1 both orders are the same sequence.
        guard sizes.filter({ $0 > 1 }).count > 1 else { return data }
        let count = sizes.reduce(1, *)
        var fortranStrides = [Int](repeating: 0, count: sizes.count)
        var stride = itemSize
        for axis in sizes.indices {
            fortranStrides[axis] = stride
            stride *= sizes[axis]
        }
        var output = Data(count: data.count)
        data.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { target in
                guard let from = source.baseAddress, let to = target.baseAddress else { return }
                var index = [Int](repeating: 0, count: sizes.count)
                var sourceOffset = 0
                for element in 0..<count {
                    (to + element * itemSize).copyMemory(from: from + sourceOffset, byteCount: itemSize)
                    // Odometer over the C-order index, last axis fastest.
                    var axis = sizes.count - 1
                    while axis >= 0 {
                        index[axis] += 1
                        sourceOffset += fortranStrides[axis]
                        if index[axis] < sizes[axis] { break }
                        sourceOffset -= fortranStrides[axis] * sizes[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return output
    }
}
