/// The element type of a tensor, as ONNX's `TensorProto.DataType` numbers it.
///
/// A struct over the raw number rather than an enum, so a model written by a newer
/// ONNX release with a type qdqc does not know still reads and writes unchanged.
public struct DataType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The `TensorProto.DataType` number.
    public var rawValue: Int32

    /// Wraps a `TensorProto.DataType` number.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// No type given.
    public static let undefined = DataType(rawValue: 0)
    /// IEEE 754 binary32.
    public static let float = DataType(rawValue: 1)
    /// Unsigned 8-bit integer.
    public static let uint8 = DataType(rawValue: 2)
    /// Signed 8-bit integer.
    public static let int8 = DataType(rawValue: 3)
    /// Unsigned 16-bit integer.
    public static let uint16 = DataType(rawValue: 4)
    /// Signed 16-bit integer.
    public static let int16 = DataType(rawValue: 5)
    /// Signed 32-bit integer.
    public static let int32 = DataType(rawValue: 6)
    /// Signed 64-bit integer.
    public static let int64 = DataType(rawValue: 7)
    /// Byte strings.
    public static let string = DataType(rawValue: 8)
    /// Booleans, one byte each.
    public static let bool = DataType(rawValue: 9)
    /// IEEE 754 binary16.
    public static let float16 = DataType(rawValue: 10)
    /// IEEE 754 binary64.
    public static let double = DataType(rawValue: 11)
    /// Unsigned 32-bit integer.
    public static let uint32 = DataType(rawValue: 12)
    /// Unsigned 64-bit integer.
    public static let uint64 = DataType(rawValue: 13)
    /// Complex number of two float32.
    public static let complex64 = DataType(rawValue: 14)
    /// Complex number of two float64.
    public static let complex128 = DataType(rawValue: 15)
    /// Brain floating point (the top 16 bits of a float32).
    public static let bfloat16 = DataType(rawValue: 16)
    /// 8-bit float, 4 exponent bits, finite only (NaN, no infinity).
    public static let float8e4m3fn = DataType(rawValue: 17)
    /// 8-bit float, 4 exponent bits, finite, unsigned zero.
    public static let float8e4m3fnuz = DataType(rawValue: 18)
    /// 8-bit float, 5 exponent bits, IEEE-like.
    public static let float8e5m2 = DataType(rawValue: 19)
    /// 8-bit float, 5 exponent bits, finite, unsigned zero.
    public static let float8e5m2fnuz = DataType(rawValue: 20)
    /// Unsigned 4-bit integer, two per byte.
    public static let uint4 = DataType(rawValue: 21)
    /// Signed 4-bit integer, two per byte.
    public static let int4 = DataType(rawValue: 22)
    /// 4-bit float (E2M1), two per byte.
    public static let float4e2m1 = DataType(rawValue: 23)
    /// 8-bit exponent-only float (E8M0), used for block scales.
    public static let float8e8m0 = DataType(rawValue: 24)
    /// Unsigned 2-bit integer, four per byte.
    public static let uint2 = DataType(rawValue: 25)
    /// Signed 2-bit integer, four per byte.
    public static let int2 = DataType(rawValue: 26)
    /// 6-bit float (E2M3).
    public static let float6e2m3 = DataType(rawValue: 27)
    /// 6-bit float (E3M2).
    public static let float6e3m2 = DataType(rawValue: 28)

    private static let names: [Int32: String] = [
        0: "undefined", 1: "float", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64",
        8: "string", 9: "bool", 10: "float16", 11: "double", 12: "uint32", 13: "uint64", 14: "complex64",
        15: "complex128", 16: "bfloat16", 17: "float8e4m3fn", 18: "float8e4m3fnuz", 19: "float8e5m2",
        20: "float8e5m2fnuz", 21: "uint4", 22: "int4", 23: "float4e2m1", 24: "float8e8m0", 25: "uint2",
        26: "int2", 27: "float6e2m3", 28: "float6e3m2",
    ]

    /// The name ONNX's textual syntax uses for this type (`float`, `int8`, `float8e4m3fn`, ...).
    public var name: String? { Self.names[rawValue] }

    /// The type named `name` in ONNX's textual syntax, if there is one.
    public init?(name: String) {
        guard let entry = Self.names.first(where: { $0.value == name }) else { return nil }
        self.rawValue = entry.key
    }

    /// The name, or `type<N>` for a number qdqc does not know.
    public var description: String { name ?? "type<\(rawValue)>" }

    /// Bits one element takes in `raw_data`, or nil for strings and unknown types.
    public var bitWidth: Int? {
        switch rawValue {
        case 1, 6, 12: return 32
        case 2, 3, 9, 17, 18, 19, 20, 24: return 8
        case 4, 5, 10, 16: return 16
        case 7, 11, 13, 14: return 64
        case 15: return 128
        case 21, 22, 23: return 4
        case 25, 26: return 2
        case 27, 28: return 6
        default: return nil
        }
    }

    /// Whether the type is a floating-point format of any width.
    public var isFloatingPoint: Bool {
        [1, 10, 11, 16, 17, 18, 19, 20, 23, 24, 27, 28].contains(rawValue)
    }

    /// Whether the type is a signed or unsigned integer of any width (bool excluded).
    public var isInteger: Bool {
        [2, 3, 4, 5, 6, 7, 12, 13, 21, 22, 25, 26].contains(rawValue)
    }

    /// Bytes that `count` elements of this type take in `raw_data` (sub-byte types packed), nil if unknown.
    public func byteCount(elements count: Int) -> Int? {
        guard let bits = bitWidth else { return nil }
        return (count * bits + 7) / 8
    }
}
