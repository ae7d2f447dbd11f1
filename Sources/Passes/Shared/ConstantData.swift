import Foundation
import OnnxIR

/// Reads the constant data of values: initializers and the outputs of `Constant` nodes.
///
/// An initializer that is also a graph input is only a default the caller may
/// override, so it is not a constant here. Data that cannot be read (external
/// data without a source, an unusual storage) reads as "not constant": passes
/// that ask simply leave the node alone.
public enum ConstantData {
    /// The tensor `value` always holds, if it is a constant.
    public static func tensor(of value: Value) -> Tensor? {
        if let tensor = value.initializer {
            if let graph = value.ownerGraph, graph.inputs.contains(where: { $0 === value }) { return nil }
            return tensor
        }
        guard let producer = value.producer, producer.opType == "Constant",
            OpsetImport.isDefaultDomain(producer.domain), producer.outputs.count == 1
        else { return nil }
        return tensor(ofConstantNode: producer)
    }

    /// The tensor a `Constant` node's attribute defines, if it is one qdqc reads.
    public static func tensor(ofConstantNode node: Node) -> Tensor? {
        guard let attribute = node.attributes.first else { return nil }
        guard node.attributes.count == 1 else { return nil }
        switch (attribute.name, attribute.value) {
        case ("value", .tensor(let tensor)): return tensor
        case ("value_float", .float(let value)): return Tensor.floats([value], dims: [])
        case ("value_floats", .floats(let values)): return Tensor.floats(values, dims: [Int64(values.count)])
        case ("value_int", .int(let value)): return Tensor.int64s([value], dims: [])
        case ("value_ints", .ints(let values)): return Tensor.int64s(values, dims: [Int64(values.count)])
        default: return nil
        }
    }

    /// Whether `value` is a constant whose data can be read.
    public static func isConstant(_ value: Value) -> Bool { tensor(of: value) != nil }

    /// The elements of an integer (or bool) tensor as `Int64`, or nil for other types or unreadable data.
    public static func int64s(_ tensor: Tensor) -> [Int64]? {
        if case .int64s(let values) = tensor.storage, tensor.dataType == .int64, values.count == elementCount(tensor) {
            return values
        }
        switch tensor.dataType {
        case .int64: return decode(tensor, as: Int64.self) { $0 }
        case .int32: return decode(tensor, as: Int32.self) { Int64($0) }
        case .int16: return decode(tensor, as: Int16.self) { Int64($0) }
        case .int8: return decode(tensor, as: Int8.self) { Int64($0) }
        case .uint8, .bool: return decode(tensor, as: UInt8.self) { Int64($0) }
        case .uint16: return decode(tensor, as: UInt16.self) { Int64($0) }
        case .uint32: return decode(tensor, as: UInt32.self) { Int64($0) }
        case .uint64: return decode(tensor, as: UInt64.self) { Int64(clamping: $0) }
        default: return nil
        }
    }

    /// The elements of a float32 tensor, or nil for other types or unreadable data.
    public static func floats(_ tensor: Tensor) -> [Float]? {
        guard tensor.dataType == .float else { return nil }
        if case .floats(let values) = tensor.storage, values.count == elementCount(tensor) { return values }
        return decode(tensor, as: Float.self) { $0 }
    }

    /// The elements of any real numeric tensor (float, double, float16, bfloat16 or integer) as `Double`.
    public static func doubles(_ tensor: Tensor) -> [Double]? {
        switch tensor.dataType {
        case .float: return floats(tensor)?.map(Double.init)
        case .double:
            if case .doubles(let values) = tensor.storage, values.count == elementCount(tensor) { return values }
            return decode(tensor, as: Double.self) { $0 }
        case .float16:
            return decode(tensor, as: UInt16.self) { Double(HalfFloat.float(fromHalf: $0)) }
        case .bfloat16:
            return decode(tensor, as: UInt16.self) { Double(HalfFloat.float(fromBFloat16: $0)) }
        default:
            return int64s(tensor)?.map(Double.init)
        }
    }

    /// The single element of a one-element numeric tensor, as `Double`.
    public static func scalar(_ tensor: Tensor) -> Double? {
        guard elementCount(tensor) == 1, let values = doubles(tensor), values.count == 1 else { return nil }
        return values[0]
    }

    /// The number of elements `dims` describe, or nil when a size is negative or the product overflows.
    ///
    /// `Tensor.elementCount` trusts its dimensions; constants come from files, so passes count with this.
    public static func elementCount(_ tensor: Tensor) -> Int? { ElementCount.of(tensor.dims) }

    /// The tensor's bytes, if they can be read and their length fits the element count.
    private static func readableBytes(_ tensor: Tensor) -> Data? {
        guard let bytes = try? tensor.rawBytes(),
            let count = elementCount(tensor), count <= Int.max / 256,
            let expected = tensor.dataType.byteCount(elements: count),
            bytes.count == expected
        else { return nil }
        return bytes
    }

    /// The tensor's elements converted into an array, or nil when its bytes cannot be read.
    ///
    /// The array is a copy, so a memory-mapped tensor gives its pages back once it is read: a pass
    /// that reads every weight once holds one weight's pages at a time, not the model's.
    private static func decode<Element, Result>(
        _ tensor: Tensor, as type: Element.Type, _ convert: (Element) -> Result
    ) -> [Result]? {
        guard let bytes = readableBytes(tensor) else { return nil }
        defer { tensor.releaseResidentPages() }
        return decode(bytes, as: type, convert)
    }

    private static func decode<Element, Result>(
        _ bytes: Data, as type: Element.Type, _ convert: (Element) -> Result
    ) -> [Result] {
        let stride = MemoryLayout<Element>.size
        let count = bytes.count / stride
        return bytes.withUnsafeBytes { buffer in
            (0..<count).map { convert(buffer.loadUnaligned(fromByteOffset: $0 * stride, as: Element.self)) }
        }
    }
}
