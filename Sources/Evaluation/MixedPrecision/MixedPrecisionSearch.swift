import Calibration
import OnnxIR

/// Raises the most sensitive tensors of a quantized model to a wider format, cheapest format first and in order
/// of gain per cost, until every accuracy target holds on the evaluation samples or the bound on what is wide
/// stops it (`--mixed-precision`).
///
/// With `allowsFloat8` (`--mixed-fp8`) the search first moves groups of int8/uint8 pairs to FP8 E4M3
/// (`Float8Step`; a group is the quantized operands of compute layers that share one): 8 bits still, so this
/// costs nothing against the bound. Each group's gain is measured alone (one run per group and sample), and the
/// groups are tried best first, each kept only if it lessens the shortfall. The raises follow.
///
/// A raise moves one tensor one step: an 8-bit activation to its 16-bit pair when the target consumes 16-bit
/// activations (`allowsWideActivations`), a 4-bit weight to int8 (`WeightWidening`), anything else (or a
/// widened tensor) to float. The cost of a raise is the MACs of the compute layers it makes wide that are not
/// wide yet, so tensors that feed no Conv/MatMul/Gemm (residual sums, normalization inputs) cost nothing and come
/// first; in a model whose only quantized tensors are weights (weight-only) it is the weight bytes the raise
/// adds, and `maxWideFraction` bounds the fraction of weight bytes stored wide instead of MACs. The target is
/// `--min-sqnr` on every output, or `--max-perplexity-increase` (the shortfall is then the mean next-token
/// negative log-likelihood above the bound's, in nats). The first gains come from
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
    /// The largest fraction of all compute-layer MACs (or, weight-only, of weight bytes) that may be wide.
    public var maxWideFraction: Double
    /// Whether 8-bit activations may become 16-bit pairs (the target consumes int16/uint16 activations).
    public var allowsWideActivations: Bool
    /// Why 16-bit activations are not offered, for the report; nil when they are.
    public var wideActivationNote: String?
    /// Whether int8/uint8 pairs may move to FP8 E4M3 (the target's runtime runs FP8 GEMMs).
    public var allowsFloat8: Bool
    /// What perplexity is measured on (token ids, logits, prompt), with `maxPerplexityIncrease`.
    public var perplexity: PerplexitySettings?
    /// The perplexity target: at most this increase over the float model's, relative (0.05: 5%); nil for none.
    public var maxPerplexityIncrease: Double?
    /// A tensor whose gain is below this (dB) is not worth a step.
    public static let minimumGain = 0.1
    /// With a perplexity target, a tensor whose gain is below this (nats per token: 0.1% of perplexity) is not
    /// worth a step.
    public static let minimumPerplexityGain = 0.001
    /// How many times at most the gains are measured again from the model as it is.
    public static let maximumRounds = 4

    /// Creates the search; a perplexity target needs both `perplexity` and `maxPerplexityIncrease`.
    public init(
        minSQNR: Double?, maxWideFraction: Double, allowsWideActivations: Bool = true,
        wideActivationNote: String? = nil, allowsFloat8: Bool = false, perplexity: PerplexitySettings? = nil,
        maxPerplexityIncrease: Double? = nil
    ) {
        self.minSQNR = minSQNR
        self.allowsFloat8 = allowsFloat8
        self.maxWideFraction = maxWideFraction
        self.allowsWideActivations = allowsWideActivations
        self.wideActivationNote = wideActivationNote
        self.perplexity = perplexity
        self.maxPerplexityIncrease = maxPerplexityIncrease
    }

    /// Searches on `plan`'s samples and leaves the tensors it raises wide in `quantized` (changed in place);
    /// `metricPasses`, when given, runs the `--max-drop` check on `quantized` as it then is.
    public func run(
        float: Model, floatName: String, quantized: Model, quantizedName: String, plan: EvaluationPlan,
        metricPasses: (() throws -> Bool)?
    ) throws -> MixedPrecisionReport {
        let analysis = try SensitivityAnalysis(
            float: float, floatName: floatName, quantized: quantized, quantizedName: quantizedName,
            widens: allowsWideActivations, widensWeights: true, float8: allowsFloat8)
        var meter: PerplexityMeter?
        if let perplexity, maxPerplexityIncrease != nil {
            meter = try PerplexityMeter(
                settings: perplexity, float: float, floatName: floatName, quantized: quantized,
                quantizedName: quantizedName)
        }
        let runner = plan.runner(task: "mixed precision")
        let references = SensitivityReferences()
        let first = try analysis.measure(
            runner: runner, indices: plan.indices, base: [:], candidates: [], references: references,
            perplexity: meter)
        let objective = MixedPrecisionObjective(
            minSQNR: minSQNR, maxPerplexityIncrease: meter == nil ? nil : maxPerplexityIncrease, float: first.float)
        let measure = { (precisions: [String: SitePrecision]) in
            try analysis.measure(
                runner: runner, indices: plan.indices, base: precisions, candidates: [], references: references,
                perplexity: meter
            ).base
        }
        let widenable = analysis.widenableTensors
        let weightSites = Set(analysis.storedBits.keys)
        let offersWeights = !widenable.isDisjoint(with: weightSites)
        let offersActivations = !widenable.subtracting(weightSites).isEmpty
        // Weight-only models are bounded by the bytes of their weights: they have no activation to widen.
        let bound: MixedPrecisionBound = analysis.quantizesOnlyWeights ? .bytes : .macs
        // A model that already meets the bar (with no metric to run) needs no analysis.
        let quantizedMeasurement = first.base
        if metricPasses == nil, objective.meets(quantizedMeasurement) {
            let untouched = MixedPrecisionState(
                sensitivity: SensitivityReport(
                    data: plan.data, firstSample: plan.indices.lowerBound, endSample: plan.indices.upperBound,
                    outputs: quantizedMeasurement.outputs, tensors: [], skipped: [], layerMACs: [:], seconds: 0),
                widenable: [], maxWideFraction: maxWideFraction, bound: bound)
            return report(
                objective: objective, before: quantizedMeasurement, after: quantizedMeasurement, state: untouched,
                offers: (offersActivations, offersWeights, false), bound: bound, overBound: [], totalMACs: 0,
                wideWeightBytes: 0, reached: true, lacking: nil)
        }
        let (sensitivity, floatAlone) = try analysis.analyze(
            runner: runner, indices: plan.indices, data: plan.data, only: nil, quantizedAlone: false,
            perplexity: meter)
        var state = MixedPrecisionState(
            sensitivity: sensitivity, widenable: widenable, maxWideFraction: maxWideFraction, bound: bound,
            storedBits: analysis.storedBits, minimumGain: objective.minimumGain)
        var current = quantizedMeasurement
        let start = objective.shortfall(current)
        let float8Groups = allowsFloat8 ? analysis.float8Groups : []
        if !float8Groups.isEmpty, !objective.meets(current) {
            current = try moveToFloat8(
                float8Groups, from: current, state: &state, objective: objective, measure: measure)
        }
        var gains = Dictionary(
            sensitivity.tensors.map { tensor in
                (
                    tensor.tensor,
                    start
                        - objective.shortfall(
                            SwitchedMeasurement(
                                outputs: tensor.outputs.map {
                                    ReportOutputSQNR(output: $0.output, sqnr: $0.floatAloneSQNR)
                                }, likelihood: floatAlone[tensor.tensor]))
                )
            }, uniquingKeysWith: { first, _ in first })
        var rounds = 0
        while !objective.meets(current) {
            var attempted = Set<String>()
            while !objective.meets(current), let candidate = state.next(gains: gains, excluding: attempted) {
                attempted.insert(candidate.tensor)
                let trial = state.precisions.merging([candidate.tensor: candidate.precision]) { _, new in new }
                let outputs = try measure(trial)
                // Gains do not add up: a raise that does not lessen the shortfall now is not kept.
                guard objective.shortfall(outputs) < objective.shortfall(current) else { continue }
                current = outputs
                state.raise(
                    candidate, gain: gains[candidate.tensor] ?? 0, worstAfter: Self.worst(outputs.outputs),
                    perplexityAfter: objective.perplexity(outputs))
            }
            guard !objective.meets(current), rounds < Self.maximumRounds else { break }
            rounds += 1
            let candidates = state.steppable()
            guard !candidates.isEmpty else { break }
            let measured = try analysis.measure(
                runner: runner, indices: plan.indices, base: state.precisions, candidates: candidates,
                references: references, perplexity: meter)
            let shortfallNow = objective.shortfall(measured.base)
            // Tensors over the bound keep their last gain (for `overBound`); the others are measured anew.
            var fresh = false
            for (candidate, outputs) in zip(candidates, measured.candidates) {
                let gain = shortfallNow - objective.shortfall(outputs)
                gains[candidate.tensor] = gain
                fresh = fresh || gain >= objective.minimumGain
            }
            guard fresh else { break }
        }
        // The groups left are tried again on the model as the raises left it: a group that gained too little
        // alone may now lessen the shortfall.
        if !float8Groups.isEmpty, !objective.meets(current) {
            let untouched = float8Groups.filter { group in group.allSatisfy { state.precisions[$0.tensor] == nil } }
            current = try moveToFloat8(
                untouched, from: current, state: &state, objective: objective, measure: measure)
        }
        let weights = Set(sensitivity.tensors.filter { $0.kind == .weight }.map(\.tensor))
        var weightBytes = try apply(state.precisions, weights: weights, to: quantized, float: float)
        var metricHolds = true
        if let metricPasses, objective.meets(current) {
            metricHolds = try metricPasses()
            var attempted = Set<String>()
            while !metricHolds, let candidate = state.next(gains: gains, excluding: attempted) {
                attempted.insert(candidate.tensor)
                current = try measure(state.precisions.merging([candidate.tensor: candidate.precision]) { $1 })
                state.raise(
                    candidate, gain: gains[candidate.tensor] ?? 0, worstAfter: Self.worst(current.outputs),
                    perplexityAfter: objective.perplexity(current))
                weightBytes += try apply(
                    [candidate.tensor: candidate.precision], weights: weights, to: quantized, float: float)
                metricHolds = try metricPasses()
            }
        }
        let reached = objective.meets(current) && metricHolds
        var lacking: String?
        if !reached {
            let share = String(format: "%.2f%%", state.boundedFraction * 100)
            let bound = String(format: "%g%%", maxWideFraction * 100)
            let what = objective.meets(current) ? "the --max-drop metric still fails" : objective.lack(current)
            let overBound = state.overBound(gains: gains)
            let moved = state.raised.filter { $0.precision == .float8 }.count
            let raised = state.raised.count - moved
            lacking =
                "\(what) with \(raised) tensor(s) raised\(moved > 0 ? " (\(moved) moved to FP8)" : "") and \(share) of "
                + "\(state.boundedName) wide (bound \(bound)); "
                + (overBound.isEmpty
                    ? "no other tensor within the bound gains \(objective.minimumGainText) or more"
                    : "\(overBound.count) more tensor(s) with a gain would exceed the bound")
        }
        return report(
            objective: objective, before: quantizedMeasurement, after: current, state: state,
            offers: (offersActivations, offersWeights, !float8Groups.isEmpty), bound: bound,
            overBound: reached ? [] : state.overBound(gains: gains),
            totalMACs: sensitivity.totalMACs,
            wideWeightBytes: weightBytes, reached: reached, lacking: lacking)
    }

    /// Moves the FP8 groups that lessen the shortfall of `current`: each group's gain measured alone, then the
    /// groups tried best first (ties in graph order), each kept only if it lessens the shortfall as things then
    /// are. Returns the measurement with the groups kept.
    private func moveToFloat8(
        _ groups: [[(tensor: String, kind: TensorPairKind)]], from current: SwitchedMeasurement,
        state: inout MixedPrecisionState,
        objective: MixedPrecisionObjective, measure: ([String: SitePrecision]) throws -> SwitchedMeasurement
    ) throws -> SwitchedMeasurement {
        let start = objective.shortfall(current)
        let moved = { (group: [(tensor: String, kind: TensorPairKind)], precisions: [String: SitePrecision]) in
            precisions.merging(group.map { ($0.tensor, SitePrecision.float8) }) { $1 }
        }
        var gains: [(index: Int, gain: Double, alone: SwitchedMeasurement)] = []
        for (index, group) in groups.enumerated() {
            let alone = try measure(moved(group, state.precisions))
            let gain = start - objective.shortfall(alone)
            if gain >= objective.minimumGain { gains.append((index, gain, alone)) }
        }
        var current = current
        var keptAny = false
        for (index, gain, alone) in gains.sorted(by: { ($0.gain, -$0.index) > ($1.gain, -$1.index) }) {
            guard !objective.meets(current) else { break }
            // Until a group is kept, a trial is the measurement of the group alone.
            let outputs = keptAny ? try measure(moved(groups[index], state.precisions)) : alone
            guard objective.shortfall(outputs) < objective.shortfall(current) else { continue }
            current = outputs
            keptAny = true
            state.useFloat8(
                groups[index], gain: gain, worstAfter: Self.worst(outputs.outputs),
                perplexityAfter: objective.perplexity(outputs))
        }
        return current
    }

    /// Writes `precisions` into `quantized`: FP8 pairs, 16-bit activation pairs and int8 weights (`weights` names
    /// the weights) first, then the float tensors' pairs removed; returns the bytes the float weights now take.
    private func apply(_ precisions: [String: SitePrecision], weights: Set<String>, to quantized: Model, float: Model)
        throws -> Int
    {
        let wide = Set(precisions.filter { $0.value == .wide }.keys)
        let floats = Set(precisions.filter { $0.value == .float }.keys)
        _ = try Float8Step.apply(
            Set(precisions.filter { $0.value == .float8 }.keys), to: quantized, float: float)
        _ = try QDQWidening.apply(wide.subtracting(weights), to: quantized, float: float)
        _ = try WeightWidening.apply(wide.intersection(weights), to: quantized, float: float)
        return try QDQBypass.apply(floats, to: quantized, float: float)
    }

    private func report(
        objective: MixedPrecisionObjective, before: SwitchedMeasurement, after: SwitchedMeasurement,
        state: MixedPrecisionState, offers: (activations: Bool, weights: Bool, float8: Bool),
        bound: MixedPrecisionBound,
        overBound: [String],
        totalMACs: Int, wideWeightBytes: Int, reached: Bool, lacking: String?
    ) -> MixedPrecisionReport {
        var formats: [String] = []
        if offers.float8 { formats.append("FP8 E4M3 for int8 layers") }
        if offers.activations { formats.append("int16/uint16 activations") }
        if offers.weights { formats.append("int8 weights for narrower ones") }
        var report = MixedPrecisionReport(
            format: formats.isEmpty ? "float" : formats.joined(separator: ", ") + ", else float",
            minSQNR: minSQNR, maxWideFraction: maxWideFraction, reached: reached, before: before.outputs,
            after: after.outputs, raised: state.raised, overBound: overBound, wideMACs: state.wideMACs,
            totalMACs: totalMACs, wideWeightBytes: wideWeightBytes, lacking: lacking)
        report.formatNote = wideActivationNote
        report.boundedBy = bound
        report.wideBytes = state.wideBytes
        report.weightBytes = state.weightBytes
        report.wideByteFraction = state.wideByteFraction
        if objective.maxPerplexityIncrease != nil {
            report.maxPerplexityIncrease = objective.maxPerplexityIncrease
            report.floatPerplexity = objective.floatPerplexity
            report.perplexityBefore = objective.perplexity(before)
            report.perplexityAfter = objective.perplexity(after)
        }
        return report
    }

    private static func worst(_ outputs: [ReportOutputSQNR]) -> Double { outputs.map(\.sqnr).min() ?? .infinity }
}
