import OnnxIR

/// If, Loop and Scan, from their subgraphs' outputs (which the walk infers before asking).
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

    /// Scan (opset 9+): the final states as the body gives them, and each scan output with the
    /// sequence length inserted at its `scan_output_axes` entry (default 0).
    static func registerScan(into table: inout [String: Rule]) {
        table["Scan"] = { context in
            guard let body = context.node.attribute("body")?.subgraphs.first else {
                throw context.fail("Scan needs a body graph")
            }
            // Opset 8's Scan has a batch axis and sequence lengths; its outputs stay unknown.
            guard context.opset >= 9 else { return context.node.outputs.map { _ in nil } }
            let scanInputs = Int(try context.int("num_scan_inputs", default: 0))
            let states = context.node.inputs.count - scanInputs
            guard scanInputs >= 1, states >= 0, body.outputs.count >= states else {
                throw context.fail(
                    "num_scan_inputs \(scanInputs) does not fit \(context.node.inputs.count) inputs and "
                        + "\(body.outputs.count) body outputs")
            }
            let inputAxes = try context.ints("scan_input_axes") ?? []
            var length = Dimension.unknown
            for scanIndex in 0..<scanInputs {
                guard let dimensions = context.dimensions(states + scanIndex) else { continue }
                var axis = Int(scanIndex < inputAxes.count ? inputAxes[scanIndex] : 0)
                if axis < 0 { axis += dimensions.count }
                if axis >= 0, axis < dimensions.count, dimensions[axis].kind != .unknown {
                    length = dimensions[axis]
                    break
                }
            }
            var results: [TensorSignature?] = (0..<states).map { index in
                union(context.input(index), TensorSignature(of: body.outputs[index]))
            }
            let outputAxes = try context.ints("scan_output_axes") ?? []
            for (scanIndex, output) in body.outputs.dropFirst(states).enumerated() {
                let signature = TensorSignature(of: output)
                guard var dimensions = signature?.dimensions else {
                    results.append(TensorSignature(signature?.elementType, nil))
                    continue
                }
                var axis = Int(scanIndex < outputAxes.count ? outputAxes[scanIndex] : 0)
                if axis < 0 { axis += dimensions.count + 1 }
                guard axis >= 0, axis <= dimensions.count else {
                    throw context.fail(
                        "scan_output_axes[\(scanIndex)] is out of range for rank \(dimensions.count + 1)")
                }
                dimensions.insert(length, at: axis)
                results.append(TensorSignature(signature?.elementType, dimensions))
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
