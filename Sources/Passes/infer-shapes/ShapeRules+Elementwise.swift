import OnnxIR

/// Elementwise operators: unary ops keep their input's type; binary and variadic ones broadcast.
extension ShapeRules {
    static func registerElementwise(into table: inout [String: Rule]) {
        let unary = [
            "Abs", "Acos", "Acosh", "Asin", "Asinh", "Atan", "Atanh", "BitwiseNot", "Ceil", "Celu", "Clip", "Cos",
            "Cosh", "CumSum", "Elu", "Erf", "Exp", "Floor", "Gelu", "HardSigmoid", "HardSwish", "Hardmax", "Identity",
            "LeakyRelu", "Log", "LogSoftmax", "LpNormalization", "LRN", "MeanVarianceNormalization", "Mish", "Neg",
            "Reciprocal", "Relu", "ReverseSequence", "Round", "Scatter", "ScatterElements", "ScatterND", "Selu",
            "Shrink", "Sigmoid", "Sign", "Sin", "Sinh", "Softmax", "Softplus", "Softsign", "Sqrt", "Swish", "Tan",
            "Tanh", "ThresholdedRelu", "Trilu", "InstanceNormalization", "GroupNormalization", "PRelu",
        ]
        for op in unary { table[op] = sameAsInput }
        for op in ["Not", "IsNaN", "IsInf"] {
            table[op] = { context in [TensorSignature(.bool, context.dimensions(0))] }
        }
        let arithmetic = [
            "Add", "Sub", "Mul", "Div", "Mod", "Pow", "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "Max",
            "Min", "Sum", "Mean",
        ]
        for op in arithmetic {
            table[op] = { context in
                let indices = Array(context.node.inputs.indices)
                let type =
                    context.elementType(0) ?? (op == "Pow" ? nil : indices.lazy.compactMap(context.elementType).first)
                return [TensorSignature(type, try broadcastDimensions(context, inputs: indices))]
            }
        }
        let predicates = ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor"]
        for op in predicates {
            table[op] = { context in [TensorSignature(.bool, try broadcastDimensions(context, inputs: [0, 1]))] }
        }
        table["Where"] = { context in
            [
                TensorSignature(
                    context.elementType(1) ?? context.elementType(2),
                    try broadcastDimensions(context, inputs: [0, 1, 2]))
            ]
        }
        table["Dropout"] = { context in
            [context.input(0), TensorSignature(.bool, context.dimensions(0))]
        }
    }
}
