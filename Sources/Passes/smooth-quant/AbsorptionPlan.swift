import OnnxIR

/// How the producers of an activation take its factors `1/s`: the constant edits, where the factors
/// end up, and the nodes they pass through.
struct AbsorptionPlan {
    /// The constants to rewrite.
    var steps: [AbsorptionStep]
    /// Where the factors end up.
    var folding: SmoothingRecord.Folding
    /// The nodes from the activation's producer back to the node that takes the factors, in that
    /// order; each one's output feeds the one before it.
    var path: [Node]

    /// Whether a bool-to-float Cast became a Where holding the factors.
    var turnsCastIntoWhere: Bool {
        steps.contains {
            if case .castToWhere = $0 { return true }
            return false
        }
    }

    /// Whether the factors crossed a Reshape, a Transpose or a MatMul of two activations on their way.
    var crossesLayout: Bool {
        path.contains { ["Reshape", "Transpose"].contains($0.opType) || ($0.opType == "MatMul" && $0 !== path.last) }
    }

    /// Whether copying the path costs no more than a Mul (only elementwise nodes and LayerNormalization).
    var isCheapToCopy: Bool {
        path.allSatisfy { ["LayerNormalization", "Mul", "Div", "Add", "Sub", "Cast"].contains($0.opType) }
    }

    /// The plan with `node` put in front of the path.
    func prepending(_ node: Node, steps extra: [AbsorptionStep] = []) -> AbsorptionPlan {
        AbsorptionPlan(steps: steps + extra, folding: folding, path: [node] + path)
    }
}
