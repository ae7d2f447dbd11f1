import OnnxIR

/// A numpy array-protocol type string (`<f4`, `|b1`, `>i8`) that maps to an ONNX element type.
struct NumpyDType: Equatable {
    /// The ONNX element type.
    var dataType: DataType
    /// Bytes per element.
    var itemSize: Int
    /// Whether the file stores elements most significant byte first.
    var isBigEndian: Bool

    /// Kind letter and size to ONNX type: numpy's `f`, `i`, `u`, `b`, `c` kinds.
    private static let types: [String: DataType] = [
        "f2": .float16, "f4": .float, "f8": .double,
        "i1": .int8, "i2": .int16, "i4": .int32, "i8": .int64,
        "u1": .uint8, "u2": .uint16, "u4": .uint32, "u8": .uint64,
        "b1": .bool, "c8": .complex64, "c16": .complex128,
    ]

    /// Parses a `descr` string; the problem says why it is not supported.
    static func parse(_ descr: String) throws -> NumpyDType {
        guard let order = descr.first, "<>|=".contains(order) else {
            throw FormatProblem("unsupported dtype '\(descr)' (expected a byte order '<', '>', '|' or '=' first)")
        }
        var code = String(descr.dropFirst())
        if code == "?" { code = "b1" }
        guard let dataType = types[code], let bits = dataType.bitWidth else {
            throw FormatProblem("unsupported dtype '\(descr)' (\(describeKind(code)))")
        }
        let itemSize = bits / 8
        // '|' means "byte order not applicable"; numpy only writes it for one-byte types.
        if order == "|" && itemSize != 1 {
            throw FormatProblem("unsupported dtype '\(descr)' ('|' byte order on a multi-byte type)")
        }
        return NumpyDType(dataType: dataType, itemSize: itemSize, isBigEndian: order == ">" && itemSize > 1)
    }

    /// The `descr` numpy writes for `dataType` (little-endian), or nil when numpy has no such type.
    static func descr(for dataType: DataType) -> String? {
        guard let entry = types.first(where: { $0.value == dataType }) else { return nil }
        return (entry.key.hasSuffix("1") ? "|" : "<") + entry.key
    }

    /// A short explanation of a type code numpy can write but ONNX tensors cannot hold.
    private static func describeKind(_ code: String) -> String {
        switch code.first {
        case "O": return "Python objects cannot be read as a tensor"
        case "U": return "unicode strings are not supported"
        case "S", "a": return "byte strings are not supported"
        case "V": return "void/structured types are not supported"
        case "M", "m": return "datetime types are not supported"
        default: return "no ONNX element type for it"
        }
    }
}
