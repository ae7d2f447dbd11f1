import OnnxIR
import Passes

/// Takes tensors of a QDQ model back to float: their readers read the float value again (the QuantizeLinear
/// input, or the float model's weight), and the Q/DQ nodes and quantized constants left unread are removed.
enum QDQBypass {
    /// Leaves the tensors named in `tensors` (float model names) in float in `model`; returns the bytes the float
    /// weights now take. A weight the float model has no same-shaped initializer for is an error.
    static func apply(_ tensors: Set<String>, to model: Model, float: Model) throws -> Int {
        guard !tensors.isEmpty else { return 0 }
        let graph = model.graph
        let floatWeights = QDQGroup.floatWeights(of: float)
        var weightBytes = 0
        for group in QDQGroup.groups(in: model, float: float) where tensors.contains(group.tensor) {
            var replacement = try group.floatStandIn(in: graph, float: float)
            if group.isWeight {
                guard let weight = floatWeights[group.tensor]?.initializer,
                    weight.dims == group.source.initializer?.dims
                else {
                    throw CompareError.unreadable(
                        tensor: group.tensor, model: "float model", reason: "no float weight of the quantized shape")
                }
                replacement = graph.addInitializer(weight, name: graph.uniqueName(group.tensor))
                weightBytes += weight.dims.reduce(1) { $0 * Int($1) } * (weight.dataType.bitWidth ?? 32) / 8
            }
            for node in group.nodes {
                guard let output = node.outputs[0] else { continue }
                var rewrite = GraphRewrite()
                if output.isAnyGraphOutput {
                    // Keep the model's interface: the output name stays, now computed by an Identity.
                    let identity = Node(
                        opType: "Identity", name: graph.uniqueName(output.name + "_float", avoidingNodeNames: true),
                        inputs: [replacement], outputNames: [graph.uniqueName(output.name + "_float")])
                    rewrite.insert(identity, after: node)
                    rewrite.takeOver(output, by: identity.outputs[0]!)
                } else {
                    rewrite.replaceAllUses(of: output, with: replacement)
                }
                rewrite.remove(node)
                try graph.apply(rewrite)
            }
        }
        _ = try EliminateDeadCodePass(options: [:]).run(on: model, context: PassContext())
        return weightBytes
    }
}
