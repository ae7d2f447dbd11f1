import OnnxIR
import Quantization

/// Puts a quantized weight into the graph: the packed codes, scales and zero points as initializers and a
/// DequantizeLinear (with `axis` and `block_size`) that the job's layers read instead of the float weight,
/// which goes when nothing else reads it.
struct LowBitWeightWriter {
    /// The graph being rewritten.
    let graph: Graph

    /// Replaces `job`'s weight by `matrix`; returns the DequantizeLinear's output.
    @discardableResult
    func replace(_ job: WeightOnlyJob, with matrix: LowBitMatrix) throws -> Value {
        let base = job.weight.name
        let tensors = matrix.initializers(name: base, shape: job.layout.shape, transposed: job.layout.transposed)
        var rewrite = GraphRewrite()
        var inputs = [
            rewrite.addInitializer(tensors.weight, name: freshName(base + "_quantized")),
            rewrite.addInitializer(tensors.scale, name: freshName(base + "_scale")),
        ]
        if let zeroPoint = tensors.zeroPoint {
            inputs.append(rewrite.addInitializer(zeroPoint, name: freshName(base + "_zero_point")))
        }
        var attributes = [Attribute("axis", .int(Int64(tensors.axis)))]
        if let blockSize = tensors.blockSize { attributes.append(Attribute("block_size", .int(Int64(blockSize)))) }
        let dequantize = Node(
            opType: "DequantizeLinear", name: freshName(base + "_DequantizeLinear"), inputs: inputs,
            outputNames: [freshName(base + "_dequantized")], attributes: attributes)
        guard let output = dequantize.outputs[0] else {
            throw QuantizeWeightsError("quantize-weights: cannot create an output for '\(base)'")
        }
        output.type = .tensor(.float, Shape(static: job.layout.shape.map(Int64.init)))
        let first = job.layers.map(\.node).min { (graph.index(of: $0) ?? Int.max) < (graph.index(of: $1) ?? Int.max) }
        guard let first else { throw QuantizeWeightsError("quantize-weights: '\(base)' has no layer") }
        rewrite.insert(dequantize, before: first)
        for layer in job.layers { rewrite.redirect(layer.node, input: layer.weightInput, to: output) }
        try graph.apply(rewrite)
        _ = try GraphSurgery.removeIfUnused(job.weight, in: graph)
        return output
    }

    /// A name no value and no node has.
    private func freshName(_ base: String) -> String { graph.uniqueName(base, avoidingNodeNames: true) }
}
