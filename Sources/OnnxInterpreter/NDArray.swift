import Foundation
import OnnxIR

/// A dense tensor at run time: an element type, a shape and the elements in row-major order.
///
/// Copying an `NDArray` never copies its elements: copies share one buffer, which is freed
/// when the last copy goes. Elements are stored as ONNX's `raw_data` stores them
/// (little-endian, sub-byte types packed), so initializers are read in place.
public struct NDArray: CustomStringConvertible {
    /// The element type.
    public let dataType: DataType
    /// The dimensions, outermost first; empty for a scalar.
    public let shape: [Int]
    /// Number of elements (the product of `shape`).
    public let count: Int
    /// The bytes; `var` only so `isKnownUniquelyReferenced` can inspect it.
    var buffer: ArrayBuffer

    /// Wraps an existing buffer; the caller has checked that it holds `count` elements of `dataType`.
    init(dataType: DataType, shape: [Int], count: Int, buffer: ArrayBuffer) {
        self.dataType = dataType
        self.shape = shape
        self.count = count
        self.buffer = buffer
    }

    /// Creates an array of `dataType` and `shape` with every byte zero.
    public init(zerosOf dataType: DataType, shape: [Int]) throws {
        let count = try Self.elementCount(of: shape)
        let bytes = try Self.byteCount(of: dataType, count: count)
        self.init(dataType: dataType, shape: shape, count: count, buffer: try Self.buffer(bytes, zeroed: true, shape))
    }

    /// Creates an array whose elements the caller fills in before anyone reads them.
    static func uninitialized(_ dataType: DataType, shape: [Int]) throws -> NDArray {
        let count = try elementCount(of: shape)
        let bytes = try byteCount(of: dataType, count: count)
        return NDArray(dataType: dataType, shape: shape, count: count, buffer: try buffer(bytes, zeroed: false, shape))
    }

    /// Creates an array of the elements of a `Tensor`, sharing raw and external bytes rather than copying them.
    public init(tensor: Tensor) throws {
        guard tensor.dataType != .string else {
            throw InterpreterError.unsupportedTensor(
                name: tensor.name ?? "", reason: "string tensors are not supported")
        }
        var shape: [Int] = []
        for dim in tensor.dims {
            guard dim >= 0, dim <= Int64(Int.max) else {
                throw InterpreterError.unsupportedTensor(name: tensor.name ?? "", reason: "negative dimension \(dim)")
            }
            shape.append(Int(dim))
        }
        let count = try Self.elementCount(of: shape, name: tensor.name ?? "")
        let expected = try Self.byteCount(of: tensor.dataType, count: count, name: tensor.name ?? "")
        let data: Data
        do {
            data = try tensor.rawBytes()
        } catch {
            throw InterpreterError.unsupportedTensor(name: tensor.name ?? "", reason: "\(error)")
        }
        guard data.count == expected else {
            throw InterpreterError.unsupportedTensor(
                name: tensor.name ?? "",
                reason: "holds \(data.count) bytes, but \(tensor.dataType) \(shape) needs \(expected)")
        }
        let alignment = max(1, (tensor.dataType.bitWidth ?? 8) / 8)
        guard let buffer = ArrayBuffer(sharing: data, alignment: alignment) else {
            throw InterpreterError.unsupportedTensor(
                name: tensor.name ?? "", reason: "cannot allocate \(data.count) bytes for a copy")
        }
        self.init(dataType: tensor.dataType, shape: shape, count: count, buffer: buffer)
    }

    /// Creates a float32 array.
    public init(floats values: [Float], shape: [Int]) throws {
        try self.init(values, dataType: .float, shape: shape)
    }

    /// Creates an int64 array.
    public init(int64s values: [Int64], shape: [Int]) throws {
        try self.init(values, dataType: .int64, shape: shape)
    }

    /// Creates an array of `dataType` from values whose Swift type has that type's layout.
    ///
    /// `T` must be the element's storage type: `Float` for float, `UInt16` bit patterns for
    /// float16, `Bool` or `UInt8` for bool, and so on. Sub-byte types take packed `UInt8` bytes.
    public init<T>(_ values: [T], dataType: DataType, shape: [Int]) throws {
        let count = try Self.elementCount(of: shape)
        let bytes = try Self.byteCount(of: dataType, count: count)
        let given = values.count * MemoryLayout<T>.stride
        guard given == bytes else {
            throw InterpreterError.unsupportedTensor(
                name: "", reason: "\(values.count) values of \(T.self) do not fill \(dataType) \(shape)")
        }
        let buffer = try Self.buffer(bytes, zeroed: false, shape)
        values.withUnsafeBytes { source in
            if let base = source.baseAddress, bytes > 0 { buffer.pointer.copyMemory(from: base, byteCount: bytes) }
        }
        self.init(dataType: dataType, shape: shape, count: count, buffer: buffer)
    }

    /// Number of bytes the elements take.
    public var byteCount: Int { buffer.byteCount }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// Calls `body` with the packed little-endian bytes of the elements.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: buffer.pointer, count: buffer.byteCount))
    }

    /// Calls `body` with the elements of a float32 array; throws for any other type.
    public func withFloats<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) throws -> R {
        guard dataType == .float else {
            throw InterpreterError.unsupportedTensor(name: "", reason: "expected float, found \(dataType)")
        }
        return try body(UnsafeBufferPointer(start: buffer.pointer.assumingMemoryBound(to: Float.self), count: count))
    }

    /// The elements as `T`, which must have the layout of the element type (see `init(_:dataType:shape:)`).
    public func elements<T>(as type: T.Type) throws -> [T] {
        guard MemoryLayout<T>.stride * count == buffer.byteCount else {
            throw InterpreterError.unsupportedTensor(
                name: "", reason: "\(dataType) elements cannot be read as \(T.self)")
        }
        return Array(UnsafeBufferPointer(start: buffer.pointer.assumingMemoryBound(to: T.self), count: count))
    }

    /// The elements converted to Float, for any numeric or bool element type (for float32, one copy).
    public func floatValues() throws -> [Float] {
        let converted = try ElementConversion.convert(self, to: .float)
        return try converted.elements(as: Float.self)
    }

    /// The elements converted to Int64 (truncating floats toward zero), for any numeric or bool element type.
    public func int64Values() throws -> [Int64] {
        let converted = try ElementConversion.convert(self, to: .int64)
        return try converted.elements(as: Int64.self)
    }

    /// A `Tensor` holding a copy of the elements as `raw_data`.
    public func tensor(name: String? = nil) -> Tensor {
        let data = Data(bytes: buffer.pointer, count: buffer.byteCount)
        return Tensor(name: name, dataType: dataType, dims: shape.map { Int64($0) }, storage: .raw(data))
    }

    /// `float[1,3,224,224]`.
    public var description: String {
        "\(dataType)[" + shape.map(String.init).joined(separator: ",") + "]"
    }

    /// The same elements seen with another shape of the same element count (no copy).
    func reshaped(_ newShape: [Int]) -> NDArray {
        NDArray(dataType: dataType, shape: newShape, count: count, buffer: buffer)
    }

    /// A scalar of numeric `dataType` holding `value` (converted as `NumericElement.init(converting:)` does).
    static func scalar(_ value: Double, as dataType: DataType) throws -> NDArray {
        if dataType == .bool { return try NDArray([UInt8(value != 0 ? 1 : 0)], dataType: .bool, shape: []) }
        if !TypeDispatch.numericTypes.contains(dataType) {
            return try ElementConversion.convert(NDArray([value], dataType: .double, shape: []), to: dataType)
        }
        return try TypeDispatch.numeric(dataType, ScalarMaker(value: value))
    }

    private struct ScalarMaker: NumericVisitor {
        let value: Double
        func visit<T: NumericElement>(_ type: T.Type) throws -> NDArray {
            try NDArray([T(converting: value)], dataType: T.dataType, shape: [])
        }
    }

    /// Typed pointer to the elements; `T` must match the element layout.
    @inline(__always)
    func pointer<T>(_ type: T.Type) -> UnsafeMutablePointer<T> {
        buffer.pointer.assumingMemoryBound(to: T.self)
    }

    /// Raw pointer to the elements.
    @inline(__always)
    var rawPointer: UnsafeMutableRawPointer { buffer.pointer }

    /// Product of `shape`, refusing negative sizes and overflow.
    static func elementCount(of shape: [Int], name: String = "") throws -> Int {
        var total = 1
        for size in shape {
            guard size >= 0 else {
                throw InterpreterError.unsupportedTensor(name: name, reason: "negative dimension in \(shape)")
            }
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow else {
                throw InterpreterError.unsupportedTensor(name: name, reason: "shape \(shape) is too large")
            }
            total = product
        }
        return total
    }

    /// A buffer of `bytes` bytes for an array of `shape`; an error, not a trap, when malloc refuses.
    private static func buffer(_ bytes: Int, zeroed: Bool, _ shape: [Int]) throws -> ArrayBuffer {
        guard let buffer = zeroed ? ArrayBuffer(zeroedByteCount: bytes) : ArrayBuffer(byteCount: bytes) else {
            throw InterpreterError.unsupportedTensor(
                name: "", reason: "cannot allocate \(bytes) bytes for shape \(shape)")
        }
        return buffer
    }

    /// Bytes needed for `count` elements, refusing types without a byte form and sizes beyond physical memory.
    static func byteCount(of dataType: DataType, count: Int, name: String = "") throws -> Int {
        guard dataType != .string, dataType != .undefined, let bits = dataType.bitWidth, bits % 2 == 0 || bits == 6
        else {
            throw InterpreterError.unsupportedTensor(name: name, reason: "element type \(dataType) is not supported")
        }
        guard bits != 6 else {
            throw InterpreterError.unsupportedTensor(name: name, reason: "element type \(dataType) is not supported")
        }
        let (bitTotal, overflow) = count.multipliedReportingOverflow(by: bits)
        let bytes = (bitTotal + 7) / 8
        guard !overflow, UInt64(bytes) <= ProcessInfo.physicalMemoryCached else {
            throw InterpreterError.unsupportedTensor(
                name: name, reason: "\(count) elements of \(dataType) do not fit in memory")
        }
        return bytes
    }
}
