import OnnxIR

/// Picks the Swift element type for an ONNX element type and runs generic work with it.
enum TypeDispatch {
    /// Every numeric type the generic kernels implement.
    static let numericTypes: [DataType] = [
        .float, .double, .float16, .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64,
    ]

    /// Runs `visitor` with the Swift type for `type`, which must be one of `numericTypes` (and of `allowed`).
    static func numeric<V: NumericVisitor>(_ type: DataType, allowed: [DataType]? = nil, _ visitor: V) throws
        -> V.Output
    {
        if let allowed, !allowed.contains(type) {
            throw KernelError.unsupportedType(
                "\(type) (supported: \(allowed.map(\.description).joined(separator: ", ")))")
        }
        switch type {
        case .float: return try visitor.visit(Float.self)
        case .double: return try visitor.visit(Double.self)
        case .float16: return try visitor.visit(Float16.self)
        case .int8: return try visitor.visit(Int8.self)
        case .int16: return try visitor.visit(Int16.self)
        case .int32: return try visitor.visit(Int32.self)
        case .int64: return try visitor.visit(Int64.self)
        case .uint8: return try visitor.visit(UInt8.self)
        case .uint16: return try visitor.visit(UInt16.self)
        case .uint32: return try visitor.visit(UInt32.self)
        case .uint64: return try visitor.visit(UInt64.self)
        default: throw KernelError.unsupportedType("\(type)")
        }
    }

    /// The floating-point types the float kernels implement.
    static let floatTypes: [DataType] = [.float, .double, .float16]

    /// The integer types.
    static let integerTypes: [DataType] = [.int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64]

    /// Bytes per element for types of whole bytes; throws for packed sub-byte types and strings.
    static func elementSize(_ type: DataType) throws -> Int {
        guard let bits = type.bitWidth, bits % 8 == 0, type != .string else {
            throw KernelError.unsupportedType("\(type)")
        }
        return bits / 8
    }
}
