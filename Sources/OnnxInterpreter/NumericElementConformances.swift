import OnnxIR

extension Float: NumericElement { static var dataType: DataType { .float } }
extension Double: NumericElement { static var dataType: DataType { .double } }
extension Float16: NumericElement { static var dataType: DataType { .float16 } }
extension Int8: NumericElement { static var dataType: DataType { .int8 } }
extension Int16: NumericElement { static var dataType: DataType { .int16 } }
extension Int32: NumericElement { static var dataType: DataType { .int32 } }
extension Int64: NumericElement { static var dataType: DataType { .int64 } }
extension UInt8: NumericElement { static var dataType: DataType { .uint8 } }
extension UInt16: NumericElement { static var dataType: DataType { .uint16 } }
extension UInt32: NumericElement { static var dataType: DataType { .uint32 } }
extension UInt64: NumericElement { static var dataType: DataType { .uint64 } }
