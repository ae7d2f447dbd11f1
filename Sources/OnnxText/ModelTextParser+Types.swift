import Foundation
import OnnxIR

extension ModelTextParser {
    // MARK: - Types

    /// `float[N,3]`, `int64`, `float[]`, `seq(...)`, `map(key, ...)`, `optional(...)`,
    /// `sparse_tensor(...)` or `opaque(domain, name)`.
    mutating func parseType() throws -> ValueType {
        cursor.skipWhitespace()
        let start = cursor.position
        try enterNesting(at: start)
        defer { depth -= 1 }
        let word = try cursor.identifier("a type")
        if let elementType = TextSyntax.elementType(named: word) {
            return ValueType(.tensor(elementType: elementType, shape: try parseOptionalShape()))
        }
        try cursor.expect("(", "after '\(word)'")
        let type: ValueType
        switch word {
        case "seq":
            type = ValueType(.sequence(try parseType()))
        case "optional":
            type = ValueType(.optional(try parseType()))
        case "map":
            let key = try parseElementType("a map key type")
            try cursor.expect(",", "after the map key type")
            type = ValueType(.map(keyType: key, valueType: try parseType()))
        case "sparse_tensor":
            let elementType = try parseElementType("a sparse tensor element type")
            type = ValueType(.sparseTensor(elementType: elementType, shape: try parseOptionalShape()))
        case "opaque":
            type = try parseOpaqueRest()
            return type
        default:
            throw cursor.error("unknown type '\(word)'", at: start)
        }
        try cursor.expect(")", "to close type '\(word)'")
        return type
    }

    private mutating func parseElementType(_ context: String) throws -> DataType {
        cursor.skipWhitespace()
        let start = cursor.position
        let word = try cursor.identifier(context)
        guard let type = TextSyntax.elementType(named: word) else {
            throw cursor.error("'\(word)' is not an element type", at: start)
        }
        return type
    }

    /// After `opaque(`: `)`, `name)`, or `domain.parts, name)`.
    private mutating func parseOpaqueRest() throws -> ValueType {
        if cursor.matches(")") { return ValueType(.opaque(domain: nil, name: nil)) }
        var first = try cursor.identifier("an opaque type name")
        while cursor.matches(".") { first += "." + (try cursor.identifier("an opaque type domain part")) }
        var type = ValueType(.opaque(domain: nil, name: first))
        if cursor.matches(",") {
            type = ValueType(.opaque(domain: first, name: try cursor.identifier("an opaque type name")))
        }
        try cursor.expect(")", "to close the opaque type")
        return type
    }

    /// No brackets: a scalar; `[]`: unknown rank; `[2,N,?,"a b"]`: dimensions.
    private mutating func parseOptionalShape() throws -> Shape? {
        guard cursor.matches("[") else { return Shape([]) }
        if cursor.matches("]") { return nil }
        var dimensions: [OnnxIR.Dimension] = []
        repeat {
            if cursor.matches("?") {
                dimensions.append(.unknown)
            } else if cursor.peek() == UInt8(ascii: "\"") {
                dimensions.append(.symbolic(try cursor.stringLiteral()))
            } else if let symbol = cursor.optionalIdentifier() {
                dimensions.append(.symbolic(symbol))
            } else {
                dimensions.append(.known(try cursor.integer("a dimension")))
            }
        } while cursor.matches(",")
        try cursor.expect("]", "to close the shape")
        return Shape(dimensions)
    }

    // MARK: - Tensors

    /// The data after a tensor's type and name: `{elements}`, `[external data]`, or nothing.
    mutating func parseTensorData(type: ValueType?, name: String, start: Int) throws -> Tensor {
        guard case .tensor(let elementType?, let shape?) = type?.kind else {
            throw cursor.error("tensor '\(name)' needs a tensor type with a shape", at: start)
        }
        guard let dims = shape.staticSizes, let count = ElementCount.of(dims) else {
            throw cursor.error("tensor '\(name)' needs fixed, non-negative dimensions, not \(shape)", at: start)
        }
        var tensor = Tensor(name: name.isEmpty ? nil : name, dataType: elementType, dims: dims, storage: .none)
        if cursor.peek() == UInt8(ascii: "{") {
            tensor.storage = try parseElements(of: elementType, dims: dims, count: count, name: name)
        } else if cursor.matches("[") {
            let entries = try parseKeyValueEntries()
            try cursor.expect("]", "to close the external data of tensor '\(name)'")
            tensor.storage = .external(Self.externalData(entries, tensor: name))
            tensor.dataLocationField = 1
        }
        return tensor
    }

    /// External data as written; an elided tensor gets a loader that explains the missing bytes.
    static func externalData(_ entries: [KeyValue], tensor: String) -> ExternalData {
        var external = ExternalData(entries: entries)
        if external.location == TextSyntax.elidedLocation {
            let error = ElidedTensorError(tensor: tensor, byteCount: external.length)
            external.source = LazyBytes { throw error }
        }
        return external
    }

    /// `{e0, e1, ...}` in the form onnx's parser gives each element type.
    private mutating func parseElements(
        of type: DataType, dims: [Int64], count: Int, name: String
    ) throws -> TensorStorage {
        cursor.skipWhitespace()
        let start = cursor.position
        try cursor.expect("{", "to open the data of tensor '\(name)'")
        if cursor.matches("}") { return .none }
        let isComplex = type == .complex64 || type == .complex128
        let (expected, overflow) = count.multipliedReportingOverflow(by: isComplex ? 2 : 1)
        if overflow { throw cursor.error("tensor '\(name)' is too large", at: start) }
        let storage: TensorStorage
        var written = 0
        switch type {
        case .float, .complex64:
            let values = try parseFloats(name, capacity: expected)
            (storage, written) = (.floats(values), values.count)
        case .double, .complex128:
            let values = try parseValues(name) { try $0.doubleValue(of: try $0.numberToken("a number")) }
            (storage, written) = (.doubles(values), values.count)
        case .int64:
            let values = try parseValues(name) { try $0.integer("an integer") }
            (storage, written) = (.int64s(values), values.count)
        case .uint64, .uint32:
            let limit = type == .uint32 ? UInt64(UInt32.max) : UInt64.max
            let values = try parseValues(name) { cursor in
                let token = try cursor.numberToken("a non-negative integer")
                let value = try cursor.unsignedValue(of: token, "a non-negative integer")
                guard value <= limit else { throw cursor.error("\(value) does not fit in \(type)", at: token.start) }
                return value
            }
            (storage, written) = (.uint64s(values), values.count)
        case .string:
            let values = try parseValues(name) { try $0.stringLiteralBytes() }
            (storage, written) = (.strings(values), values.count)
        default:
            (storage, written) = try parseIntegerCodes(of: type, name: name)
        }
        guard written == expected else {
            let what = isComplex ? "\(expected) numbers (real and imaginary parts)" : "\(count) values"
            let declared = TypeTextEncoder.tensorText(type, dims: dims) ?? "\(type)"
            throw cursor.error("tensor '\(name)' has \(written) values but \(declared) needs \(what)", at: start)
        }
        return storage
    }

    /// Elements stored as integer codes: int32_data for types of 8 to 32 bits, packed `raw_data` below a byte.
    private mutating func parseIntegerCodes(of type: DataType, name: String) throws -> (TensorStorage, Int) {
        guard let bits = type.bitWidth, bits <= 32 else {
            throw cursor.error("tensor '\(name)' has element type \(type), which has no text form")
        }
        let range: ClosedRange<Int64>
        if let packedBits = SubByteElements.bitWidth(of: type) {
            range = SubByteElements.valueRange(of: type, bits: packedBits)
        } else if bits == 32 {
            range = Int64(Int32.min)...Int64(Int32.max)
        } else if type == .int8 || type == .int16 {
            range = -(1 << (bits - 1))...((1 << (bits - 1)) - 1)
        } else {
            // Unsigned integers and the bit patterns of float16, bfloat16 and float8, as onnx writes them:
            // `uint8 {-1}` or `int8 {200}` is out of range, not a silently wrapped value.
            range = 0...((1 << bits) - 1)
        }
        let values = try parseValues(name) { cursor in
            let token = try cursor.numberToken("an integer")
            let value = try cursor.integerValue(of: token, "an integer")
            guard range.contains(value) else {
                throw cursor.error("\(value) is out of range for \(type)", at: token.start)
            }
            return value
        }
        if let packedBits = SubByteElements.bitWidth(of: type) {
            return (.raw(SubByteElements.pack(values, bits: packedBits)), values.count)
        }
        return (.int32s(values.map { Int32(truncatingIfNeeded: $0) }), values.count)
    }

    /// Float elements up to the closing `}`; the common case for weights, so without closures.
    private mutating func parseFloats(_ name: String, capacity: Int) throws -> [Float] {
        var values: [Float] = []
        values.reserveCapacity(min(capacity, cursor.bytes.count / 2))
        repeat {
            let token = try cursor.numberToken("a float")
            values.append(try cursor.floatValue(of: token))
        } while cursor.matches(",")
        try cursor.expect("}", "to close the data of tensor '\(name)'")
        return values
    }

    /// Comma-separated elements up to the closing `}`.
    private mutating func parseValues<Element>(
        _ name: String, _ element: (inout TextCursor) throws -> Element
    ) throws -> [Element] {
        var values: [Element] = []
        repeat {
            values.append(try element(&cursor))
        } while cursor.matches(",")
        try cursor.expect("}", "to close the data of tensor '\(name)'")
        return values
    }
}
