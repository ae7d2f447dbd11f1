import Calibration
import OnnxIR

/// Raises the most sensitive tensors of a quantized model to a wider format, cheapest format first and in order
/// of gain per cost, until every accuracy target holds on the evaluation samples or the bound on wide MACs stops
/// it (`--mixed-precision`).
///
/// A raise moves one tensor one step: an 8-bit activation to its 16-bit pair when the target consumes 16-bit
/// activations (`allowsWideActivations`), anything else (or a 16-bit pair) to float. The cost of a raise is the
/// MACs of the compute layers it makes wide that are not wide yet, so tensors that feed no Conv/MatMul/Gemm
/// (residual sums, normalization inputs) cost nothing and come first. The first gains come from
/// `SensitivityAnalysis` (each tensor alone left float); every raise is then measured on the same samples with
/// the switchable model and kept only if it lessens the shortfall (the dB by which the outputs miss
/// `--min-sqnr`, summed: a raise that lifts the worst output but pushes another below the bar is not kept), since
/// gains do not add up; a gain is that shortfall's decrease. When the
/// candidates run out before the target holds, the gains of every tensor that can still step are measured again
/// from the model as it now is (one suffix run per tensor and sample), at most `maximumRounds` times. A
/// `--max-drop` target is then checked by running the metric on the model with the raised tensors, raising
/// further candidates one at a time while it fails. Deterministic: ties are broken by gain, graph position and
/// name.
public struct MixedPrecisionSearch {
    /// Every graph output's SQNR must reach this (dB); nil for no SQNR target.
    public var minSQNR: Double?
    /// The largest fraction of all compute-layer MACs that may run wide.
    public var maxWideFraction: Double
    /// Whether 8-bit activations may become 16-bit pairs (the target consumes int16/uint16 activations).
    public var allowsWideActivations: Bool
    /// Why 16-bit activations are not offered, for the report; nil when they are.
    public var wideActivationNote: String?
    /// A tensor whose gain is below this (dB) is not worth a step.
    public static let minimumGain = 0.1
    /// How many times at most the gains are measured again from the model as it is.
    public static let maximumRounds = 4

    /// Creates the search.
    public init(
        minSQNR: Double?, maxWideFraction: Double, allowsWideActivations: Bool = true,
        wideActivationNote: String? = nil
    ) {
        self.minSQNR = minSQNR
        self.maxWideFraction = maxWideFraction
        self.allowsWideActivations = allowsWideActivations
        self.wideActivationNote = wideActivationNote
    }

    /// Searches on `plan`'s samples and leaves the tensors it raises wide in `quantized` (changed in place);
    /// `metricPasses`, when given, runs the `--max-drop` check on `quantized` as it then is.
    public func run(
        float: Model, floatName: String, quantized: Model, quantizedName: String, plan: EvaluationPlan,
        metricPasses: (() throws -> Bool)?
    ) throws -> MixedPrecisionReport {
        let analysis = try SensitivityAnalysis(
            float: float, floatName: floatName, quantized: quantized, quantizedName: quantizedName,
            widens: allowsWideActivations)
        let runner = plan.runner(task: "mixed precision")
        let references = SensitivityReferences()
        let measure = { (precisions: [String: SitePrecision]) in
            try analysis.outputSQNR(
                runner: runner, indices: plan.indices, precisions: precisions, references: references)
        }
        // A model that already meets the SQNR bar (with no metric to run) needs no analysis.
        let quantizedSQNR = try measure([:])
        if metricPasses == nil, meets(quantizedSQNR) {
            return report(
                reached: true, before: quantizedSQNR, after: quantizedSQNR, raised: [], overBound: [], wideMACs: 0,
                totalMACs: 0, wideWeightBytes: 0, lacking: nil)
        }
        let sensitivity = try analysis.analyze(
            runner: runner, indices: plan.indices, data: plan.data, quantizedAlone: false)
        var state = MixedPrecisionState(
            sensitivity: sensitivity, widenable: analysis.widenableTensors, maxWideFraction: maxWideFraction)
        var current = quantizedSQNR
        let start = shortfall(sensitivity.outputs)
        var gains = Dictionary(
            sensitivity.tensors.map { tensor in
                (
                    tensor.tensor,
                    start
                        - shortfall(tensor.outputs.map { ReportOutputSQNR(output: $0.output, sqnr: $0.floatAloneSQNR) })
                )
            }, uniquingKeysWith: { first, _ in first })
        var rounds = 0
        while !meets(current) {
            var attempted = Set<String>()
            while !meets(current), let candidate = state.next(gains: gains, excluding: attempted) {
                attempted.insert(candidate.tensor)
                let trial = state.precisions.merging([candidate.tensor: candidate.precision]) { _, new in new }
                let outputs = try measure(trial)
                // Gains do not add up: a raise that does not lessen the shortfall now is not kept.
                guard shortfall(outputs) < shortfall(current) else { continue }
                current = outputs
                state.raise(candidate, gain: gains[candidate.tensor] ?? 0, worstAfter: Self.worst(outputs))
            }
            guard !meets(current), rounds < Self.maximumRounds else { break }
            rounds += 1
            let candidates = state.steppable()
            guard !candidates.isEmpty else { break }
            let measured = try analysis.gains(
                runner: runner, indices: plan.indices, base: state.precisions, candidates: candidates,
                references: references)
            let shortfallNow = shortfall(measured.base)
            // Tensors over the bound keep their last gain (for `overBound`); the others are measured anew.
            var fresh = false
            for (candidate, outputs) in zip(candidates, measured.candidates) {
                let gain = shortfallNow - shortfall(outputs)
                gains[candidate.tensor] = gain
                fresh = fresh || gain >= Self.minimumGain
            }
            guard fresh else { break }
        }
        var weightBytes = try apply(state.precisions, to: quantized, float: float)
        var metricHolds = true
        if let metricPasses, meets(current) {
            metricHolds = try metricPasses()
            var attempted = Set<String>()
            while !metricHolds, let candidate = state.next(gains: gains, excluding: attempted) {
                attempted.insert(candidate.tensor)
                current = try measure(state.precisions.merging([candidate.tensor: candidate.precision]) { $1 })
                state.raise(candidate, gain: gains[candidate.tensor] ?? 0, worstAfter: Self.worst(current))
                weightBytes += try apply([candidate.tensor: candidate.precision], to: quantized, float: float)
                metricHolds = try metricPasses()
            }
        }
        let reached = meets(current) && metricHolds
        var lacking: String?
        if !reached {
            let share = String(format: "%.2f%%", state.wideFraction * 100)
            let bound = String(format: "%g%%", maxWideFraction * 100)
            let what =
                meets(current)
                ? "the --max-drop metric still fails"
                : current.filter { $0.sqnr < minSQNR ?? -.infinity }.map {
                    "output '\($0.output)' \(String(format: "%.2f", $0.sqnr)) dB < \(String(format: "%g", minSQNR ?? 0))"
                }.joined(separator: ", ")
            let overBound = state.overBound(gains: gains)
            lacking =
                "\(what) with \(state.raised.count) tensor(s) raised and \(share) of MACs wide (bound \(bound)); "
                + (overBound.isEmpty
                    ? "no other tensor within the bound gains \(Self.minimumGain) dB or more"
                    : "\(overBound.count) more tensor(s) with a gain would exceed the bound")
        }
        return report(
            reached: reached, before: sensitivity.outputs, after: current, raised: state.raised,
            overBound: reached ? [] : state.overBound(gains: gains), wideMACs: state.wideMACs,
            totalMACs: sensitivity.totalMACs, wideWeightBytes: weightBytes, lacking: lacking)
    }

    /// Writes `precisions` into `quantized`: 16-bit pairs first, then the float tensors' pairs removed; returns
    /// the bytes the float weights now take.
    private func apply(_ precisions: [String: SitePrecision], to quantized: Model, float: Model) throws -> Int {
        let wide = Set(precisions.filter { $0.value == .wide }.keys)
        let floats = Set(precisions.filter { $0.value == .float }.keys)
        _ = try QDQWidening.apply(wide, to: quantized, float: float)
        return try QDQBypass.apply(floats, to: quantized, float: float)
    }

    private func report(
        reached: Bool, before: [ReportOutputSQNR], after: [ReportOutputSQNR], raised: [RaisedTensor],
        overBound: [String], wideMACs: Int, totalMACs: Int, wideWeightBytes: Int, lacking: String?
    ) -> MixedPrecisionReport {
        var report = MixedPrecisionReport(
            format: allowsWideActivations ? "int16/uint16 activations, else float" : "float", minSQNR: minSQNR,
            maxWideFraction: maxWideFraction, reached: reached, before: before, after: after, raised: raised,
            overBound: overBound, wideMACs: wideMACs, totalMACs: totalMACs, wideWeightBytes: wideWeightBytes,
            lacking: lacking)
        report.formatNote = wideActivationNote
        return report
    }

    /// What the search lessens: with `--min-sqnr`, the dB by which the outputs fall short of it, summed (an
    /// output above the bar counts 0, so a raise cannot trade one output that misses the bar for another that
    /// already meets it); without, the worst output's SQNR, negated.
    private func shortfall(_ outputs: [ReportOutputSQNR]) -> Double {
        guard let minSQNR else { return -Self.worst(outputs) }
        return outputs.reduce(0) { $0 + max(0, minSQNR - $1.sqnr) }
    }

    private func meets(_ outputs: [ReportOutputSQNR]) -> Bool {
        guard let minSQNR else { return true }
        return outputs.allSatisfy { $0.sqnr >= minSQNR }
    }

    private static func worst(_ outputs: [ReportOutputSQNR]) -> Double { outputs.map(\.sqnr).min() ?? .infinity }
}
