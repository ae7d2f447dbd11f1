import OnnxIR
import OnnxInterpreter

/// Short constructors for test arrays.
enum Arrays {
    static func f(_ values: [Float], _ shape: [Int]) throws -> NDArray { try NDArray(floats: values, shape: shape) }
    static func i64(_ values: [Int64], _ shape: [Int]) throws -> NDArray { try NDArray(int64s: values, shape: shape) }
    static func i32(_ values: [Int32], _ shape: [Int]) throws -> NDArray {
        try NDArray(values, dataType: .int32, shape: shape)
    }
    static func u8(_ values: [UInt8], _ shape: [Int]) throws -> NDArray {
        try NDArray(values, dataType: .uint8, shape: shape)
    }
    static func i8(_ values: [Int8], _ shape: [Int]) throws -> NDArray {
        try NDArray(values, dataType: .int8, shape: shape)
    }
    static func bool(_ values: [Bool], _ shape: [Int]) throws -> NDArray {
        try NDArray(values.map { UInt8($0 ? 1 : 0) }, dataType: .bool, shape: shape)
    }
}
