import OnnxIR

/// If and Loop, from their subgraphs' outputs (which the walk infers before asking).
extension ShapeRules {
    static func registerControlFlow(into table: inout [String: Rule]) {
        table["If"] = { context in
            guard let thenBranch = context.node.attribute("then_branch")?.subgraphs.first,
                let elseBranch = context.node.attribute("else_branch")?.subgraphs.first
            else { throw context.fail("If needs then_branch and else_branch graphs") }
            guard thenBranch.outputs.count == elseBranch.outputs.count else {
                throw context.fail(
                    "then_branch has \(thenBranch.outputs.count) outputs, else_branch \(elseBranch.outputs.count)")
            }
            return zip(thenBranch.outputs, elseBranch.outputs).map { first, second in
                union(TensorSignature(of: first), TensorSignature(of: second))
            }
        }
        table["Loop"] = { context in
            guard let body = context.node.attribute("body")?.subgraphs.first else {
                throw context.fail("Loop needs a body graph")
            }
            let carried = max(0, context.node.inputs.count - 2)
            guard body.outputs.count >= 1 + carried else {
                throw context.fail("the body has \(body.outputs.count) outputs for \(carried) loop-carried values")
            }
            var results: [TensorSignature?] = (0..<carried).map { index in
                union(context.input(2 + index), TensorSignature(of: body.outputs[1 + index]))
            }
            for output in body.outputs.dropFirst(1 + carried) {
                let signature = TensorSignature(of: output)
                results.append(TensorSignature(signature?.elementType, signature?.dimensions.map { [.unknown] + $0 }))
            }
            return results
        }
    }

    /// What is certain of a value that is either `first` or `second`.
    static func union(_ first: TensorSignature?, _ second: TensorSignature?) -> TensorSignature? {
        guard let first, let second else { return nil }
        let type = first.elementType == second.elementType ? first.elementType : nil
        guard let a = first.dimensions, let b = second.dimensions, a.count == b.count else {
            return TensorSignature(type, nil)
        }
        return TensorSignature(type, zip(a, b).map { DimensionMath.provablyEqual($0, $1) ? $0 : .unknown })
    }
}
