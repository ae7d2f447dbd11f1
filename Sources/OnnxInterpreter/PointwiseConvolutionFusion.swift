import OnnxIR

/// `Transpose(NHWC→NCHW) → Conv 1×1 → Transpose(NCHW→NHWC)` run as one product on the NHWC data.
///
/// Converters from channels-last frameworks (tf2onnx, jax2tf) wrap every convolution in such a pair
/// of transposes. For a pointwise convolution the pair is avoidable: the NHWC input `[N·H·W, C]`
/// times the transposed weights `[C, F]` is the NHWC output. When no observer watches the run (so
/// no one asks for the two values in between), the plan runs this product instead of the three
/// nodes. Each output element is the same sum of the same products in the same order as the
/// convolution's GEMM (the product's operands only swap sides, and `a·b == b·a`), plus the bias
/// after it, so outputs are the same bits (`PointwiseConvolutionFusionTests`). Anything the fused
/// path does not cover at run time (a batch above 1, another element type or shape) runs the three
/// nodes as written, which also gives their errors.
struct PointwiseConvolutionFusion {
    /// Steps covered, starting at the first Transpose.
    static let span = 3

    /// Slot of the NHWC input (the first Transpose's input).
    let inputSlot: Int
    /// Slot of the weights `[F, C, 1, 1]`, a constant.
    let weightSlot: Int
    /// Slot of the bias `[F]`, if the convolution has one.
    let biasSlot: Int?
    /// Slot of the NHWC output (the second Transpose's output).
    let outputSlot: Int

    /// The fusions of `steps`, keyed by the index of their first step.
    ///
    /// `kept` holds the slots of graph outputs, `constants` the initial slot contents and `fixed` the
    /// slots whose content never changes between runs (initializers that are not graph inputs).
    static func find(in steps: [PlanStep], constants: [NDArray?], fixed: Set<Int>, kept: Set<Int>)
        -> [Int: PointwiseConvolutionFusion]
    {
        var fusions: [Int: PointwiseConvolutionFusion] = [:]
        var index = 0
        while index + span <= steps.count {
            if let fusion = match(steps[index], steps[index + 1], steps[index + 2], constants, fixed, kept) {
                fusions[index] = fusion
                index += span
            } else {
                index += 1
            }
        }
        return fusions
    }

    private static func match(
        _ first: PlanStep, _ convolution: PlanStep, _ last: PlanStep, _ constants: [NDArray?], _ fixed: Set<Int>,
        _ kept: Set<Int>
    ) -> PointwiseConvolutionFusion? {
        guard isTranspose(first.node, perm: [0, 3, 1, 2]), isTranspose(last.node, perm: [0, 2, 3, 1]),
            isPointwise(convolution.node),
            first.inputSlots.count == 1, let input = first.inputSlots[0],
            first.outputSlots.count == 1, let nchw = first.outputSlots[0],
            convolution.outputSlots.count == 1, let convolved = convolution.outputSlots[0],
            last.inputSlots.count == 1, last.inputSlots[0] == convolved,
            last.outputSlots.count == 1, let output = last.outputSlots[0],
            (2...3).contains(convolution.inputSlots.count), convolution.inputSlots[0] == nchw,
            let weights = convolution.inputSlots[1], fixed.contains(weights),
            let weightArray = constants[weights], weightArray.dataType == .float, weightArray.rank == 4,
            weightArray.shape[2] == 1, weightArray.shape[3] == 1
        else { return nil }
        let bias = convolution.inputSlots.count == 3 ? convolution.inputSlots[2] : nil
        // The two values in between must die where the fused steps end: one use each, no graph output.
        guard !kept.contains(nchw), !kept.contains(convolved), diesAt(nchw, convolution), diesAt(convolved, last),
            !convolution.inputSlots.dropFirst().contains(nchw)
        else { return nil }
        return PointwiseConvolutionFusion(inputSlot: input, weightSlot: weights, biasSlot: bias, outputSlot: output)
    }

    private static func diesAt(_ slot: Int, _ step: PlanStep) -> Bool {
        step.movedInputs.contains(slot) || step.releasedAfter.contains(slot)
    }

    private static func isTranspose(_ node: Node, perm: [Int64]) -> Bool {
        node.domain.isEmpty && node.opType == "Transpose" && node.attribute("perm")?.ints == perm
    }

    /// A 2-D Conv whose attributes make it a plain per-position product: 1×1, stride 1, no padding, one group.
    private static func isPointwise(_ node: Node) -> Bool {
        guard node.domain.isEmpty, node.opType == "Conv", node.subgraphs.isEmpty else { return false }
        for attribute in node.attributes {
            switch attribute.name {
            case "group": guard attribute.int == 1 else { return false }
            case "kernel_shape": guard attribute.ints == [1, 1] else { return false }
            case "strides", "dilations": guard attribute.ints?.allSatisfy({ $0 == 1 }) == true else { return false }
            case "pads": guard attribute.ints?.allSatisfy({ $0 == 0 }) == true else { return false }
            case "auto_pad": guard ["NOTSET", "VALID"].contains(attribute.string ?? "") else { return false }
            default: return false
            }
        }
        return true
    }

    /// The NHWC output for `input`, or nil when the fused path does not cover these arrays (the caller then runs
    /// the three nodes).
    func run(input: NDArray, weights: NDArray, bias: NDArray?) throws -> NDArray? {
        guard input.dataType == .float, input.rank == 4, input.shape[0] == 1, weights.dataType == .float,
            weights.rank == 4, weights.shape[1] == input.shape[3], weights.shape[2] == 1, weights.shape[3] == 1
        else { return nil }
        let (positions, channels, filters) = (input.shape[1] * input.shape[2], input.shape[3], weights.shape[0])
        if let bias, bias.dataType != .float || bias.count != filters { return nil }
        // The convolution's GEMM computes `[F, positions]` with n = positions; an n of 1 would go to a
        // matrix-vector product there, whose sums may be ordered otherwise.
        guard positions > 1, filters > 1, channels > 0 else { return nil }
        let output = try NDArray.uninitialized(.float, shape: [1, input.shape[1], input.shape[2], filters])
        let target = output.pointer(Float.self)
        try Blas.sgemm(
            transposeA: false, transposeB: true, m: positions, n: filters, k: channels, alpha: 1,
            a: input.pointer(Float.self), lda: channels, b: weights.pointer(Float.self), ldb: channels, beta: 0,
            c: target, ldc: filters)
        if let bias {
            let values = bias.pointer(Float.self)
            Parallel.forChunks(positions, cost: filters) { range in
                for position in range {
                    let row = target + position * filters
                    for filter in 0..<filters { row[filter] += values[filter] }
                }
            }
        }
        return output
    }
}
