import Foundation
import OnnxIR

/// Reads float32 elements and shapes out of tensors, refusing anything malformed with a named error.
enum TensorShapeCheck {
    /// The dimensions as `Int`s, refusing negative sizes and element counts that overflow.
    static func shape(of tensor: Tensor) throws -> [Int] {
        try shape(tensor.dims.map { Int(truncatingIfNeeded: $0) }, tensor: tensor.name ?? "")
    }

    /// Validates a shape given as `Int`s.
    static func shape(_ dims: [Int], tensor: String) throws -> [Int] {
        var count = 1
        for dim in dims {
            guard dim >= 0 else {
                throw QuantizationError.invalidTensor(tensor: tensor, reason: "negative dimension in \(dims)")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else {
                throw QuantizationError.invalidTensor(tensor: tensor, reason: "shape \(dims) has too many elements")
            }
            count = product
        }
        return dims
    }

    /// Number of elements of a validated shape.
    static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// The float32 elements of `tensor`, after checking that the bytes match the shape.
    ///
    /// The array is a copy, so a memory-mapped weight gives its pages back once read (one weight at a time).
    static func floatValues(of tensor: Tensor) throws -> [Float] {
        let name = tensor.name ?? ""
        guard tensor.dataType == .float else {
            throw QuantizationError.unsupportedDataType(tensor: name, dataType: tensor.dataType)
        }
        let count = elementCount(try shape(of: tensor))
        if case .floats(let values) = tensor.storage {
            guard values.count == count else {
                throw QuantizationError.invalidTensor(
                    tensor: name, reason: "\(values.count) float_data entries for \(count) elements")
            }
            return values
        }
        let bytes = try tensor.rawBytes()
        defer { tensor.releaseResidentPages() }
        guard bytes.count == count * MemoryLayout<Float>.size else {
            throw QuantizationError.invalidTensor(
                tensor: name, reason: "\(bytes.count) bytes of data for \(count) float32 elements")
        }
        return bytes.withUnsafeBytes { buffer in
            [Float](unsafeUninitializedCapacity: count) { output, initialized in
                #if _endian(little)
                    // `raw_data` is little-endian, like the host: one copy, whatever the alignment.
                    UnsafeMutableRawBufferPointer(output).copyMemory(
                        from: UnsafeRawBufferPointer(rebasing: buffer[0..<count * 4]))
                #else
                    for index in 0..<count {
                        let bits = UInt32(
                            littleEndian: buffer.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
                        output[index] = Float(bitPattern: bits)
                    }
                #endif
                initialized = count
            }
        }
    }
}
