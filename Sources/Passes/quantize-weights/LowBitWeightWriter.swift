import OnnxIR
import Quantization

/// Puts a quantized weight into the graph: the packed codes, scales and zero points as initializers and a
/// DequantizeLinear (with `axis` and `block_size`) that the job's layers read instead of the float weight,
/// which goes when nothing else reads it.
///
/// NVFP4's FP8 block scales go through their own DequantizeLinear (by the float32 tensor scale) whose output
/// is the weight's scale; E8M0 scales (MX) need `output_dtype=float`; the minval form adds its minimums
/// through a `[blocks, block, N]` Reshape, an Add and a Reshape back.
struct LowBitWeightWriter {
    /// The graph being rewritten.
    let graph: Graph

    /// Replaces `job`'s weight by `matrix`; returns the DequantizeLinear's output.
    @discardableResult
    func replace(_ job: WeightOnlyJob, with matrix: LowBitMatrix) throws -> Value {
        let base = job.weight.name
        let tensors = matrix.initializers(name: base, shape: job.layout.shape, transposed: job.layout.transposed)
        var rewrite = GraphRewrite()
        var added: [Node] = []
        let shape = job.layout.shape
        let weight = rewrite.addInitializer(tensors.weight, name: freshName(base + "_quantized"))
        var scale = rewrite.addInitializer(tensors.scale, name: freshName(base + "_scale"))
        if let tensorScale = tensors.tensorScale {
            let scaleScale = rewrite.addInitializer(tensorScale, name: freshName(base + "_tensor_scale"))
            let scaleDequantize = Node(
                opType: "DequantizeLinear", name: freshName(base + "_scale_DequantizeLinear"),
                inputs: [scale, scaleScale], outputNames: [freshName(base + "_scale_dequantized")])
            scale = try output(of: scaleDequantize, dims: tensors.scale.dims, base: base)
            added.append(scaleDequantize)
        }
        var inputs = [weight, scale]
        if let zeroPoint = tensors.zeroPoint {
            inputs.append(rewrite.addInitializer(zeroPoint, name: freshName(base + "_zero_point")))
        }
        let dequantize = Node(
            opType: "DequantizeLinear", name: freshName(base + "_DequantizeLinear"), inputs: inputs,
            outputNames: [freshName(base + (tensors.minimum == nil ? "_dequantized" : "_scaled"))],
            attributes: tensors.dequantizeAttributes)
        var output = try output(of: dequantize, dims: shape.map(Int64.init), base: base)
        added.append(dequantize)
        if let minimum = tensors.minimum {
            let minimumValue = rewrite.addInitializer(minimum, name: freshName(base + "_minimum"))
            // The minimums are [.., blocks, 1, N]: the weight seen as [.., blocks, block, N] adds them by broadcast.
            let reductionAxis = job.layout.transposed ? shape.count - 1 : shape.count - 2
            var blockedShape = minimum.dims
            blockedShape[reductionAxis + 1] = Int64(shape[reductionAxis]) / max(minimum.dims[reductionAxis], 1)
            let toBlocks = rewrite.addInitializer(
                Tensor.int64s(blockedShape, dims: [Int64(blockedShape.count)], name: base + "_blocked_shape"),
                name: freshName(base + "_blocked_shape"))
            let back = rewrite.addInitializer(
                Tensor.int64s(shape.map(Int64.init), dims: [Int64(shape.count)], name: base + "_shape"),
                name: freshName(base + "_shape"))
            let reshape = Node(
                opType: "Reshape", name: freshName(base + "_blocks_Reshape"), inputs: [output, toBlocks],
                outputNames: [freshName(base + "_blocks")])
            let blocks = try self.output(of: reshape, dims: blockedShape, base: base)
            let add = Node(
                opType: "Add", name: freshName(base + "_minimum_Add"), inputs: [blocks, minimumValue],
                outputNames: [freshName(base + "_blocks_shifted")])
            let shifted = try self.output(of: add, dims: blockedShape, base: base)
            let restore = Node(
                opType: "Reshape", name: freshName(base + "_Reshape"), inputs: [shifted, back],
                outputNames: [freshName(base + "_dequantized")])
            output = try self.output(of: restore, dims: shape.map(Int64.init), base: base)
            added += [reshape, add, restore]
        }
        let first = job.layers.map(\.node).min { (graph.index(of: $0) ?? Int.max) < (graph.index(of: $1) ?? Int.max) }
        guard let first else { throw QuantizeWeightsError("quantize-weights: '\(base)' has no layer") }
        for node in added { rewrite.insert(node, before: first) }
        for layer in job.layers { rewrite.redirect(layer.node, input: layer.weightInput, to: output) }
        try graph.apply(rewrite)
        _ = try GraphSurgery.removeIfUnused(job.weight, in: graph)
        return output
    }

    /// The single float output of `node`, typed with `dims`.
    private func output(of node: Node, dims: [Int64], base: String) throws -> Value {
        guard let output = node.outputs[0] else {
            throw QuantizeWeightsError("quantize-weights: cannot create an output for '\(base)'")
        }
        output.type = .tensor(.float, Shape(static: dims))
        return output
    }

    /// A name no value and no node has.
    private func freshName(_ base: String) -> String { graph.uniqueName(base, avoidingNodeNames: true) }
}
