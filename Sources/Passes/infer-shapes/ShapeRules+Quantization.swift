import OnnxIR

/// QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear: the shape is kept, the element type changes.
extension ShapeRules {
    static func registerQuantization(into table: inout [String: Rule]) {
        table["QuantizeLinear"] = { context in
            var type = context.elementType(2)
            if type == nil, let dtype = try context.optionalInt("output_dtype"), dtype != 0 {
                type = DataType(rawValue: Int32(clamping: dtype))
            }
            if type == nil, !context.hasInput(2) { type = .uint8 }
            return [TensorSignature(type, context.dimensions(0))]
        }
        table["DequantizeLinear"] = { context in
            var type = context.opset >= 19 ? context.elementType(1) : .float
            if context.opset >= 23, let dtype = try context.optionalInt("output_dtype"), dtype != 0 {
                type = DataType(rawValue: Int32(clamping: dtype))
            }
            return [TensorSignature(type, context.dimensions(0))]
        }
        table["DynamicQuantizeLinear"] = { context in
            [TensorSignature(.uint8, context.dimensions(0)), TensorSignature(.float, []), TensorSignature(.uint8, [])]
        }
    }
}
