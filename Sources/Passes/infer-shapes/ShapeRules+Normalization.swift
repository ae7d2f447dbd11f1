import OnnxIR

/// LayerNormalization (with its optional mean and inverse-deviation outputs) and BatchNormalization.
extension ShapeRules {
    static func registerNormalization(into table: inout [String: Rule]) {
        table["LayerNormalization"] = { context in
            let x = context.input(0)
            let stash = DataType(rawValue: Int32(clamping: try context.int("stash_type", default: 1)))
            guard let input = x?.dimensions else {
                return [x, TensorSignature(stash, nil), TensorSignature(stash, nil)]
            }
            let axis = try context.axis(try context.int("axis", default: -1), rank: input.count)
            let statistics = Array(input[..<axis]) + Array(repeating: Dimension.known(1), count: input.count - axis)
            return [x, TensorSignature(stash, statistics), TensorSignature(stash, statistics)]
        }
        table["RMSNormalization"] = sameAsInput
        table["BatchNormalization"] = { context in
            let x = context.input(0)
            let channels: [Dimension]? = x?.dimensions.flatMap { $0.count >= 2 ? [$0[1]] : nil }
            let statistics = TensorSignature(context.elementType(3) ?? x?.elementType, channels)
            return [x, statistics, statistics, statistics, statistics]
        }
    }
}
