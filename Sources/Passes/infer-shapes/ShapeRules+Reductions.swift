import OnnxIR

/// Reductions (axes from the attribute or, in newer opsets, input 1; keepdims), ArgMax/ArgMin and TopK.
extension ShapeRules {
    static func registerReductions(into table: inout [String: Rule]) {
        let reductions = [
            "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum",
            "ReduceLogSumExp", "ReduceSumSquare",
        ]
        for op in reductions {
            table[op] = { context in [TensorSignature(context.elementType(0), try reduce(context))] }
        }
        for op in ["ArgMax", "ArgMin"] {
            table[op] = { context in
                guard let input = context.dimensions(0) else { return [TensorSignature(.int64, nil)] }
                let axis = try context.axis(try context.int("axis", default: 0), rank: input.count)
                let keep = try context.int("keepdims", default: 1) != 0
                return [TensorSignature(.int64, reduced(input, axes: [axis], keep: keep))]
            }
        }
        table["TopK"] = { context in
            let type = context.elementType(0)
            guard var dimensions = context.dimensions(0) else {
                return [TensorSignature(type, nil), TensorSignature(.int64, nil)]
            }
            let axis = try context.axis(try context.int("axis", default: -1), rank: dimensions.count)
            let k = try context.optionalInt("k") ?? context.integers(1)?.first
            dimensions[axis] = k.map { .known($0) } ?? .unknown
            return [TensorSignature(type, dimensions), TensorSignature(.int64, dimensions)]
        }
    }

    private static func reduce(_ context: ShapeRuleContext) throws -> [Dimension]? {
        guard let input = context.dimensions(0) else { return nil }
        let keep = try context.int("keepdims", default: 1) != 0
        let operand = try axesOperand(context)
        let given: [Int64]
        switch operand {
        case .none:
            given = []
        case .some(nil):
            return keep ? input.map { _ in .unknown } : nil
        case .some(let axes?):
            given = axes
        }
        if given.isEmpty {
            if try context.int("noop_with_empty_axes", default: 0) != 0 { return input }
            return reduced(input, axes: Set(input.indices), keep: keep)
        }
        let axes = try Set(given.map { try context.axis($0, rank: input.count) })
        return reduced(input, axes: axes, keep: keep)
    }

    /// `input` with `axes` set to 1 (keep) or removed.
    static func reduced(_ input: [Dimension], axes: Set<Int>, keep: Bool) -> [Dimension] {
        input.enumerated().compactMap { axis, dimension in
            guard axes.contains(axis) else { return dimension }
            return keep ? .known(1) : nil
        }
    }
}
