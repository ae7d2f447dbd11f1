import Calibration
import OnnxIR

/// Raises the most sensitive tensors of a quantized model to float, in order of gain per cost, until every
/// accuracy target holds on the evaluation samples or the bound on wide MACs stops it (`--mixed-precision`).
///
/// The gains come from `SensitivityAnalysis` on the evaluation samples; each candidate's cost is the MACs of
/// the compute layers it makes wide that are not wide yet, so a layer's second operand is free once its first
/// is raised. After each raise the switchable model measures the outputs again on the same samples (gains do
/// not add up), and the search stops at the first set that meets `--min-sqnr`. A `--max-drop` target is then
/// checked by running the metric on the model with the raised tensors, raising further candidates one at a
/// time while it fails. Deterministic: ties are broken by gain, graph position and name.
public struct MixedPrecisionSearch {
    /// Every graph output's SQNR must reach this (dB); nil for no SQNR target.
    public var minSQNR: Double?
    /// The largest fraction of all compute-layer MACs that may run wide.
    public var maxWideFraction: Double
    /// A tensor whose gain is below this (dB) is not worth a step.
    public static let minimumGain = 0.1

    /// Creates the search.
    public init(minSQNR: Double?, maxWideFraction: Double) {
        self.minSQNR = minSQNR
        self.maxWideFraction = maxWideFraction
    }

    /// Searches on `plan`'s samples and leaves the tensors it raises in float in `quantized` (changed in place);
    /// `metricPasses`, when given, runs the `--max-drop` check on `quantized` as it then is.
    public func run(
        float: Model, floatName: String, quantized: Model, quantizedName: String, plan: EvaluationPlan,
        metricPasses: (() throws -> Bool)?
    ) throws -> MixedPrecisionReport {
        let analysis = try SensitivityAnalysis(
            float: float, floatName: floatName, quantized: quantized, quantizedName: quantizedName)
        let runner = plan.runner(task: "mixed precision")
        let references = SensitivityReferences()
        // A model that already meets the SQNR bar (with no metric to run) needs no analysis.
        let quantizedSQNR = try analysis.outputSQNR(
            runner: runner, indices: plan.indices, floatTensors: [], references: references)
        if metricPasses == nil, meets(quantizedSQNR) {
            return MixedPrecisionReport(
                format: "float", minSQNR: minSQNR, maxWideFraction: maxWideFraction, reached: true,
                before: quantizedSQNR, after: quantizedSQNR, raised: [], overBound: [], wideMACs: 0, totalMACs: 0,
                wideWeightBytes: 0, lacking: nil)
        }
        let sensitivity = try analysis.analyze(runner: runner, indices: plan.indices, data: plan.data)
        let layerMACs = sensitivity.layerMACs
        let total = sensitivity.totalMACs
        var remaining = sensitivity.tensors.filter { $0.gain >= Self.minimumGain }
        var wide = Set<String>()
        var wideLayers = Set<String>()
        var raised: [RaisedTensor] = []
        var overBound: [String] = []
        var current = sensitivity.outputs
        var best = (count: 0, outputs: current)
        let macs = { (layers: Set<String>) in layers.reduce(0) { $0 + (layerMACs[$1] ?? 0) } }
        let fraction = { (count: Int) in total > 0 ? Double(count) / Double(total) : 0 }
        // Picks the next candidate within the bound, dropping those over it; nil when none is left.
        func next() -> TensorSensitivity? {
            var chosen: (index: Int, score: Double)?
            for (index, candidate) in remaining.enumerated() {
                let added = macs(Set(candidate.layers).subtracting(wideLayers))
                let score = candidate.gain / Double(added + 1)
                if let best = chosen, score <= best.score { continue }
                chosen = (index, score)
            }
            guard let chosen else { return nil }
            let candidate = remaining.remove(at: chosen.index)
            if fraction(macs(wideLayers.union(candidate.layers))) > maxWideFraction + 1e-12 {
                overBound.append(candidate.tensor)
                return next()
            }
            return candidate
        }
        func raise(_ candidate: TensorSensitivity) throws {
            wide.insert(candidate.tensor)
            wideLayers.formUnion(candidate.layers)
            current = try analysis.outputSQNR(
                runner: runner, indices: plan.indices, floatTensors: wide, references: references)
            raised.append(
                RaisedTensor(
                    tensor: candidate.tensor, kind: candidate.kind, gain: candidate.gain, macs: candidate.macs,
                    worstSQNRAfter: Self.worst(current), wideMACFractionAfter: fraction(macs(wideLayers))))
        }
        if !meets(current) {
            while let candidate = next() {
                try raise(candidate)
                if meets(current) || Self.worst(current) > Self.worst(best.outputs) {
                    best = (raised.count, current)
                }
                if meets(current) { break }
            }
        }
        // The best set found is a prefix of what was tried (nothing later beat it).
        raised = Array(raised.prefix(best.count))
        wide = Set(raised.map(\.tensor))
        wideLayers = Set(sensitivity.tensors.filter { wide.contains($0.tensor) }.flatMap(\.layers))
        current = best.outputs
        var weightBytes = try QDQBypass.apply(wide, to: quantized, float: float)
        var metricHolds = true
        if let metricPasses, meets(current) {
            metricHolds = try metricPasses()
            remaining = sensitivity.tensors.filter { $0.gain >= Self.minimumGain && !wide.contains($0.tensor) }
            overBound = []
            while !metricHolds, let candidate = next() {
                try raise(candidate)
                weightBytes += try QDQBypass.apply([candidate.tensor], to: quantized, float: float)
                metricHolds = try metricPasses()
            }
        }
        let reached = meets(current) && metricHolds
        var lacking: String?
        if !reached {
            let share = String(format: "%.2f%%", fraction(macs(wideLayers)) * 100)
            let bound = String(format: "%g%%", maxWideFraction * 100)
            let what =
                meets(current)
                ? "the --max-drop metric still fails"
                : current.filter { $0.sqnr < minSQNR ?? -.infinity }.map {
                    "output '\($0.output)' \(String(format: "%.2f", $0.sqnr)) dB < \(String(format: "%g", minSQNR ?? 0))"
                }.joined(separator: ", ")
            lacking =
                "\(what) with \(raised.count) tensor(s) raised and \(share) of MACs wide (bound \(bound)); "
                + "\(overBound.count) more tensor(s) with a gain would exceed the bound"
        }
        return MixedPrecisionReport(
            format: "float", minSQNR: minSQNR, maxWideFraction: maxWideFraction, reached: reached,
            before: sensitivity.outputs, after: current, raised: raised, overBound: overBound,
            wideMACs: macs(wideLayers), totalMACs: total, wideWeightBytes: weightBytes, lacking: lacking)
    }

    private func meets(_ outputs: [ReportOutputSQNR]) -> Bool {
        guard let minSQNR else { return true }
        return outputs.allSatisfy { $0.sqnr >= minSQNR }
    }

    private static func worst(_ outputs: [ReportOutputSQNR]) -> Double { outputs.map(\.sqnr).min() ?? .infinity }
}
