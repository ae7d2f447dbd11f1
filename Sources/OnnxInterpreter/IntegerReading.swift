/// Reads shape-like integer tensors (shapes, axes, indices, pads) into Swift Ints.
enum IntegerReading {
    /// The elements of an int64 or int32 (or other integer) array as Ints.
    static func values(of array: NDArray, name: String) throws -> [Int] {
        switch array.dataType {
        case .int64:
            let pointer = array.pointer(Int64.self)
            return (0..<array.count).map { Int(pointer[$0]) }
        case .int32:
            let pointer = array.pointer(Int32.self)
            return (0..<array.count).map { Int(pointer[$0]) }
        case .int8, .int16, .uint8, .uint16, .uint32:
            let converted = try ElementConversion.convert(array, to: .int64)
            return try values(of: converted, name: name)
        case .uint64:
            let pointer = array.pointer(UInt64.self)
            return (0..<array.count).map { Int(clamping: pointer[$0]) }
        default:
            throw KernelError.invalid("\(name) must hold integers, not \(array.dataType)")
        }
    }

    /// The single value of a scalar (or one-element) integer array.
    static func scalar(of array: NDArray, name: String) throws -> Int {
        let elements = try values(of: array, name: name)
        guard elements.count == 1 else { throw KernelError.invalid("\(name) must hold one value, not \(array.shape)") }
        return elements[0]
    }
}
