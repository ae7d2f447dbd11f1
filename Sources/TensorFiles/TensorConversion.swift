import Foundation
import OnnxIR

/// Conversions between tensors and arrays of Float (and Int64), for the interpreter and calibration.
///
/// Supported element types: float, double, float16, bfloat16, bool and the 8- to
/// 64-bit integers. float16 and bfloat16 widen exactly and narrow with
/// round-to-nearest-even; double and 32/64-bit integers narrow to Float by
/// round-to-nearest-even (exact below 2^24). Other types throw `IRError.invalidTensor`.
extension Tensor {
    /// The elements as Float, in row-major order.
    public func floatValues() throws -> [Float] {
        let bytes = try checkedBytes()
        switch dataType {
        case .float: return Self.copyFloats(bytes)
        case .double: return Self.map(bytes, Double.self) { Float($0) }
        case .float16: return Self.map(bytes, UInt16.self) { HalfFloat.float(fromHalf: $0) }
        case .bfloat16: return Self.map(bytes, UInt16.self) { HalfFloat.float(fromBFloat16: $0) }
        case .int8: return Self.map(bytes, Int8.self) { Float($0) }
        case .uint8: return Self.map(bytes, UInt8.self) { Float($0) }
        case .bool: return Self.map(bytes, UInt8.self) { $0 == 0 ? 0 : 1 }
        case .int16: return Self.map(bytes, Int16.self) { Float($0) }
        case .uint16: return Self.map(bytes, UInt16.self) { Float($0) }
        case .int32: return Self.map(bytes, Int32.self) { Float($0) }
        case .uint32: return Self.map(bytes, UInt32.self) { Float($0) }
        case .int64: return Self.map(bytes, Int64.self) { Float($0) }
        case .uint64: return Self.map(bytes, UInt64.self) { Float($0) }
        default: throw unsupported("read as Float")
        }
    }

    /// The elements of an integer or bool tensor as Int64, exactly.
    public func int64Values() throws -> [Int64] {
        let bytes = try checkedBytes()
        switch dataType {
        case .int8: return Self.map(bytes, Int8.self) { Int64($0) }
        case .uint8, .bool: return Self.map(bytes, UInt8.self) { Int64($0) }
        case .int16: return Self.map(bytes, Int16.self) { Int64($0) }
        case .uint16: return Self.map(bytes, UInt16.self) { Int64($0) }
        case .int32: return Self.map(bytes, Int32.self) { Int64($0) }
        case .uint32: return Self.map(bytes, UInt32.self) { Int64($0) }
        case .int64: return Self.map(bytes, Int64.self) { $0 }
        case .uint64:
            let values = Self.map(bytes, UInt64.self) { $0 }
            guard let large = values.first(where: { $0 > UInt64(Int64.max) }) else { return values.map { Int64($0) } }
            throw IRError.invalidTensor(tensor: name ?? "", reason: "uint64 value \(large) does not fit Int64")
        default: throw unsupported("read as Int64")
        }
    }

    /// A tensor of `dataType` holding `values` in `.raw` storage.
    ///
    /// float16 and bfloat16 round to nearest even; integer types take the value
    /// rounded toward zero, as ONNX `Cast` and numpy's `astype` do, and throw for NaN,
    /// infinity or a value out of range; bool stores nonzero (and NaN) as true.
    public init(floats values: [Float], dataType: DataType = .float, dims: [Int64], name: String? = nil) throws {
        let expected = ElementCount.of(dims)
        guard expected == values.count else {
            throw IRError.invalidTensor(
                tensor: name ?? "", reason: "\(values.count) values do not fill shape \(dims)")
        }
        let tensorName = name ?? ""
        let bytes: Data
        switch dataType {
        case .float: bytes = values.withUnsafeBytes { Data($0) }
        case .double: bytes = Self.pack(values.map { Double($0) })
        case .float16: bytes = Self.pack(values.map(HalfFloat.half(from:)))
        case .bfloat16: bytes = Self.pack(values.map(HalfFloat.bfloat16(from:)))
        case .bool: bytes = Self.pack(values.map { $0 == 0 ? UInt8(0) : 1 })
        case .int8: bytes = Self.pack(try Self.integers(values, Int8.self, tensorName))
        case .uint8: bytes = Self.pack(try Self.integers(values, UInt8.self, tensorName))
        case .int16: bytes = Self.pack(try Self.integers(values, Int16.self, tensorName))
        case .uint16: bytes = Self.pack(try Self.integers(values, UInt16.self, tensorName))
        case .int32: bytes = Self.pack(try Self.integers(values, Int32.self, tensorName))
        case .uint32: bytes = Self.pack(try Self.integers(values, UInt32.self, tensorName))
        case .int64: bytes = Self.pack(try Self.integers(values, Int64.self, tensorName))
        case .uint64: bytes = Self.pack(try Self.integers(values, UInt64.self, tensorName))
        default:
            throw IRError.invalidTensor(
                tensor: tensorName, reason: "cannot build a \(dataType) tensor from Float values")
        }
        self.init(name: name, dataType: dataType, dims: dims, storage: .raw(bytes))
    }

    /// The raw bytes, checked to match the shape.
    private func checkedBytes() throws -> Data {
        guard let bits = dataType.bitWidth, bits % 8 == 0 else { throw unsupported("convert") }
        let bytes = try rawBytes()
        guard bytes.count == ElementCount.bytes(dims, bits: bits) else {
            throw IRError.invalidTensor(
                tensor: name ?? "", reason: "\(bytes.count) bytes do not match shape \(dims) of \(dataType)")
        }
        return bytes
    }

    private func unsupported(_ action: String) -> IRError {
        IRError.invalidTensor(tensor: name ?? "", reason: "cannot \(action) a \(dataType) tensor")
    }

    /// Each element of `bytes`, read as `T` (alignment not required), transformed.
    private static func map<T, R>(_ bytes: Data, _ type: T.Type, _ transform: (T) -> R) -> [R] {
        let stride = MemoryLayout<T>.size
        let count = bytes.count / stride
        return bytes.withUnsafeBytes { raw in
            (0..<count).map { transform(raw.loadUnaligned(fromByteOffset: $0 * stride, as: T.self)) }
        }
    }

    /// Float elements copied in one block rather than one by one.
    private static func copyFloats(_ bytes: Data) -> [Float] {
        let count = bytes.count / MemoryLayout<Float>.size
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                if let source = raw.baseAddress, let target = buffer.baseAddress {
                    UnsafeMutableRawPointer(target).copyMemory(
                        from: source, byteCount: count * MemoryLayout<Float>.size)
                }
            }
            initialized = count
        }
    }

    private static func pack<T>(_ values: [T]) -> Data { values.withUnsafeBytes { Data($0) } }

    private static func integers<T: FixedWidthInteger>(_ values: [Float], _ type: T.Type, _ tensor: String) throws
        -> [T]
    {
        try values.map { value in
            guard let integer = T(exactly: value.rounded(.towardZero)) else {
                throw IRError.invalidTensor(tensor: tensor, reason: "value \(value) does not fit \(T.self)")
            }
            return integer
        }
    }
}
