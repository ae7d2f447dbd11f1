import Calibration
import OnnxIR

/// Runs the model over the calibration samples and gathers `LayerInputStatistics` for the layer inputs
/// AWQ and GPTQ need, through `CalibrationRunner` (one sample at a time, each input folded in while the
/// interpreter holds it).
struct LayerInputCollector {
    /// Rows kept per input (AWQ's sample); 0 keeps none.
    let rowLimit: Int
    /// Whether to accumulate `XᵀX` (GPTQ).
    let gram: Bool

    /// Statistics for every value named in `activations`; inputs never produced as float32 have no rows.
    /// With `pruned`, only the nodes those values need run (GPTQ's waves).
    func collect(
        model: Model, activations: [String], source: CalibrationDataSource, context: PassContext, task: String,
        pruned: Bool = false
    ) throws -> [String: LayerInputStatistics] {
        let samples = try CalibrationSamples(model: model, source: source)
        if samples.isRandom {
            context.remark(
                "\(QuantizeWeightsPass.argument): measuring layer inputs on \(samples.count) random samples "
                    + "(--calib-random); the result means nothing for accuracy")
        }
        var statistics: [String: LayerInputStatistics] = [:]
        for (index, name) in activations.sorted().enumerated() {
            // A distinct, fixed seed per input keeps runs reproducible and row samples independent.
            statistics[name] = LayerInputStatistics(rowLimit: rowLimit, gram: gram, seed: 0xA3C0_0000 &+ UInt64(index))
        }
        let runner = CalibrationRunner(samples: samples, task: task, progress: context.progress)
        let computing = pruned ? activations.sorted() : nil
        try runner.run(model: model, computing: computing, watching: { statistics[$0] != nil }) { observed in
            let array = observed.array
            guard array.dataType == .float else { return }
            try array.withFloats { values in try statistics[observed.name]?.observe(values, shape: array.shape) }
        }
        return statistics
    }
}
