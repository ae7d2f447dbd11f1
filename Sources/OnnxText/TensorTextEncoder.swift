import Foundation
import OnnxIR

/// Writes a tensor's elements as the `{...}` list of the textual syntax.
///
/// Each element is written the way onnx's parser reads it back into the same bits:
/// floats and doubles in their shortest round-trip form, 16- and 8-bit float types
/// as their unsigned bit patterns, packed types (2, 4, 6 bits) one value per element,
/// complex numbers as real and imaginary parts in turn.
enum TensorTextEncoder {
    /// The `{...}` literal of `tensor`; `name` is for messages.
    static func literal(of tensor: Tensor, name: String) throws -> String {
        guard let count = ElementCount.of(tensor.dims) else {
            throw TextPrintError.invalidTensor(tensor: name, reason: "shape \(tensor.dims) has no element count")
        }
        if tensor.dataType == .string { return try stringLiteral(of: tensor, name: name, count: count) }
        if case .none = tensor.storage { return "{}" }
        let data: Data
        do {
            data = try tensor.rawBytes()
        } catch {
            throw TextPrintError.invalidTensor(tensor: name, reason: "\(error)")
        }
        guard let expected = ElementCount.bytes(elements: count, of: tensor.dataType) else {
            throw TextPrintError.unsupported("tensor '\(name)' has element type \(tensor.dataType)")
        }
        guard data.count == expected else {
            throw TextPrintError.invalidTensor(
                tensor: name,
                reason: "holds \(data.count) bytes but \(tensor.dataType)\(tensor.dims) needs \(expected)")
        }
        var text = "{"
        text.reserveCapacity(min(expected, 1 << 24) * 3)
        try appendElements(of: data, type: tensor.dataType, count: count, to: &text, name: name)
        text.append("}")
        return text
    }

    private static func stringLiteral(of tensor: Tensor, name: String, count: Int) throws -> String {
        switch tensor.storage {
        case .none:
            return "{}"
        case .strings(let values):
            guard values.count == count else {
                throw TextPrintError.invalidTensor(
                    tensor: name, reason: "holds \(values.count) strings but its shape \(tensor.dims) needs \(count)")
            }
            return "{" + values.map(TextSyntax.quoted(bytes:)).joined(separator: ", ") + "}"
        default:
            throw TextPrintError.invalidTensor(tensor: name, reason: "a string tensor without string data")
        }
    }

    private static func appendElements(
        of data: Data, type: DataType, count: Int, to text: inout String, name: String
    ) throws {
        switch type {
        case .float: append(data, Float.self, count, &text) { TextSyntax.text($0) }
        case .complex64: append(data, Float.self, count * 2, &text) { TextSyntax.text($0) }
        case .double: append(data, Double.self, count, &text) { TextSyntax.text($0) }
        case .complex128: append(data, Double.self, count * 2, &text) { TextSyntax.text($0) }
        case .int8: append(data, Int8.self, count, &text) { String($0) }
        case .uint8, .bool, .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0:
            append(data, UInt8.self, count, &text) { String($0) }
        case .int16: append(data, Int16.self, count, &text) { String($0) }
        case .uint16, .float16, .bfloat16: append(data, UInt16.self, count, &text) { String($0) }
        case .int32: append(data, Int32.self, count, &text) { String($0) }
        case .uint32: append(data, UInt32.self, count, &text) { String($0) }
        case .int64: append(data, Int64.self, count, &text) { String($0) }
        case .uint64: append(data, UInt64.self, count, &text) { String($0) }
        default:
            guard let bits = SubByteElements.bitWidth(of: type) else {
                throw TextPrintError.unsupported("tensor '\(name)' has element type \(type)")
            }
            let values = SubByteElements.unpack(
                data, count: count, bits: bits, signed: SubByteElements.isSigned(type))
            appendList(values.lazy.map { String($0) }, to: &text)
        }
    }

    private static func append<Element>(
        _ data: Data, _: Element.Type, _ count: Int, _ text: inout String, _ format: (Element) -> String
    ) {
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            let stride = MemoryLayout<Element>.size
            for index in 0..<count {
                if index > 0 { text.append(", ") }
                text.append(format(buffer.loadUnaligned(fromByteOffset: index * stride, as: Element.self)))
            }
        }
    }

    private static func appendList<Values: Sequence<String>>(_ values: Values, to text: inout String) {
        var first = true
        for value in values {
            if !first { text.append(", ") }
            text.append(value)
            first = false
        }
    }
}
