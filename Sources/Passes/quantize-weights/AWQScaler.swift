import Calibration
import OnnxIR
import Quantization

/// AWQ's scaling step: for each activation read only by layers `quantize-weights` quantizes, searches
/// the per-channel factors `s` (`AWQSearch.scales`) and applies them as SmoothQuant does (weight rows
/// times `s`, `1/s` folded into the producer or an inserted Mul; see `Smoother`).
struct AWQScaler {
    let settings: WeightOnlySettings
    /// The layers producing logits (`WeightOnlySettings.logitLayers`).
    let logitLayers: Set<ObjectIdentifier>

    /// Scales the graph; returns the factors applied per layer node, so clip search can see `x / s`.
    func scale(
        model: Model, jobs: [WeightOnlyJob], statistics: [String: LayerInputStatistics],
        counters: inout WeightOnlyStatistics, context: PassContext
    ) throws -> [ObjectIdentifier: [Float]] {
        let graph = model.graph
        var quantizedLayers = Set<ObjectIdentifier>()
        for job in jobs {
            for layer in job.layers where layer.node.opType != "Gather" {
                quantizedLayers.insert(ObjectIdentifier(layer.node))
            }
        }
        let groups = SmoothingGroup.find(in: graph) { _, _, _ in }
        let smoother = Smoother(graph: graph, opset: model.opsetVersion(for: ""))
        var applied: [ObjectIdentifier: [Float]] = [:]
        for group in groups {
            guard group.targets.allSatisfy({ quantizedLayers.contains(ObjectIdentifier($0.node)) && $0.kind != .conv }),
                let input = statistics[group.activation.name], input.rowCount > 0, input.channels == group.channels
            else { continue }
            var weights: [(values: [Float], columns: Int)] = []
            for target in group.targets {
                guard let current = target.currentWeight(), let matrix = target.weightMatrix(current.values) else {
                    weights.removeAll()
                    break
                }
                weights.append((matrix, target.outputs))
            }
            guard !weights.isEmpty else { continue }
            let blockSize = settings.rowsPerBlock(group.channels)
            let search = AWQSearch(
                blockSize: blockSize, grid: settings.grid, scaleGrid: settings.scaleGrid,
                duoScaling: settings.duoScaling)
            let choice = try search.scales(
                rows: settings.searchRows(input), rowCount: input.rowCount, meanMagnitude: input.meanMagnitude,
                weights: weights, logits: group.targets.map { logitLayers.contains(ObjectIdentifier($0.node)) },
                tensor: group.activation.name)
            guard choice.ratio > 0, choice.scales.contains(where: { $0 != 1 }),
                let outcome = try smoother.apply(group, scales: choice.scales)
            else { continue }
            counters.awqScaled += 1
            if outcome.folding == .insertedMul { counters.counters["awq-inserted-muls", default: 0] += 1 }
            for target in group.targets { applied[ObjectIdentifier(target.node)] = choice.scales }
        }
        return applied
    }
}
