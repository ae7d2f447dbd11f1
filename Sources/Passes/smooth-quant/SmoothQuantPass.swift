import OnnxIR

/// SmoothQuant: moves activation outliers into the weights of MatMul, Gemm and 1×1 Conv layers,
/// folding the inverse factors into the producers so no node is added where one can take them.
///
/// For each activation read by such layers (with constant weights), from the per-channel
/// magnitudes of the activation (measured over the calibration samples) and of the layers'
/// weight rows, `s_j = max|X_j|^alpha / max|W_j|^(1-alpha)`; the weight rows are multiplied by
/// `s` and `1/s` goes into the producer (see `ScaleAbsorber`), or into an inserted Mul when
/// none can take it. Every layer reading one activation shares its `s`. The float model
/// computes the same function afterwards.
public struct SmoothQuantPass: Pass {
    /// `smooth-quant`.
    public static let argument = "smooth-quant"
    /// Does not walk If/Loop/Scan bodies.
    public static let subgraphReach = SubgraphReach.mainGraphOnly
    /// One line for `list-passes`.
    public static let summary =
        "SmoothQuant: scales MatMul/Gemm/1x1-Conv weight rows by s and folds 1/s into the producer (needs calibration data)."
    /// `alpha=<float>|auto`, `rows=<integer>`.
    public static let options = [
        PassOption(
            name: "alpha", valueSyntax: "<float>|auto", defaultValue: "0.5",
            summary: "Migration strength in [0, 1], or auto to search 0.3...1.0 per activation by W8A8 output error."),
        PassOption(
            name: "rows", valueSyntax: "<integer>", defaultValue: "512",
            summary: "Rows (tokens, pixels) of each activation kept from calibration for alpha=auto's search."),
    ]

    /// The migration strength.
    public let alpha: SmoothQuantAlpha
    /// Rows kept per activation for the search.
    public let rowLimit: Int

    /// Creates the pass from its options.
    public init(options: [String: String]) throws {
        let reader = try PassOptionReader(options, for: Self.self)
        let text = try reader.string("alpha")
        guard let alpha = SmoothQuantAlpha(text) else {
            throw PassError.invalidOptionValue(
                pass: Self.argument, option: "alpha", value: text, expected: "a number in [0, 1] or auto")
        }
        self.alpha = alpha
        rowLimit = try reader.int("rows")
        guard rowLimit > 0 else {
            throw PassError.invalidOptionValue(
                pass: Self.argument, option: "rows", value: String(rowLimit), expected: "a positive integer")
        }
    }

    /// Smooths every activation of the main graph read by MatMul, Gemm or 1×1 Conv layers with constant weights.
    public func run(on model: Model, context: PassContext) throws -> PassResult {
        guard let source = context.calibrationData else { throw SmoothQuantError.noCalibrationData }
        var statistics = SmoothQuantStatistics()
        let groups = SmoothingGroup.find(in: model.graph) { _, node, refusal in
            statistics.count(refusal)
            context.remark("smooth-quant: left '\(node.displayName)' unsmoothed: \(refusal)")
        }
        guard !groups.isEmpty else { return PassResult(changed: false, statistics: statistics.counters) }
        var watched: [String: Int] = [:]
        for group in groups { watched[group.activation.name] = group.axisFromEnd }
        let profiler = ActivationProfiler(watched: watched, rowLimit: alpha == .auto ? rowLimit : 0)
        let profiles = try profiler.profile(model: model, source: source, context: context)
        let smoother = Smoother(graph: model.graph, opset: model.opsetVersion(for: ""))
        var rescaled: [String] = []
        defer { Self.record(rescaled: rescaled, in: model) }
        for group in groups {
            let name = group.activation.name
            guard let profile = profiles[name], profile.channels > 0 else {
                statistics.counters["unobserved-activations", default: 0] += 1
                context.remark("smooth-quant: '\(name)' was never produced as float32 during calibration; left as is")
                continue
            }
            guard profile.channels == group.channels else {
                throw SmoothQuantError.channelMismatch(
                    tensor: name, expected: group.channels, observed: profile.channels)
            }
            // Each layer's weight is decoded once, for its maxima and for the search.
            let weights = group.targets.map { $0.currentWeight() }
            // Channels an Expand copies from one value get one factor, from their pooled maxima.
            let ties = smoother.channelTies(for: group)
            let weightMax = Self.pooled(weightMaxima(group, weights: weights), over: ties)
            let activationMax = Self.pooled(profile.channelAbsMax, over: ties)
            if !ties.isEmpty { statistics.counters["tied-activations", default: 0] += 1 }
            var record = SmoothingRecord(activation: name, layers: group.layerNames, alpha: nil, folding: .none)
            let chosen: Double
            switch alpha {
            case .fixed(let value):
                chosen = value
            case .auto:
                let outcome = try search(
                    group, weights: weights, profile: profile, activationMax: activationMax, weightMax: weightMax)
                record.errorWithoutSmoothing = outcome.errorWithoutSmoothing
                record.errorWithSmoothing = outcome.errorWithSmoothing
                guard let best = outcome.alpha else {
                    statistics.counters["unsmoothed-by-search", default: 0] += 1
                    context.session.smoothing.append(record)
                    continue
                }
                chosen = best
                statistics.counters["alpha-percent:" + name] = Int((best * 100).rounded())
            }
            let scales = SmoothingScales.compute(activationMax: activationMax, weightMax: weightMax, alpha: chosen)
            // All factors 1 (dead or balanced channels) would only add nodes that change nothing.
            guard scales.contains(where: { $0 != 1 }), let applied = try smoother.apply(group, scales: scales) else {
                context.session.smoothing.append(record)
                continue
            }
            rescaled += applied.rescaledValues
            record.alpha = chosen
            record.folding = applied.folding
            record.restoredReaders = applied.restoredReaders
            record.copiedNodes = applied.copiedNodes > 0 ? applied.copiedNodes : nil
            context.session.smoothing.append(record)
            statistics.count(applied, layers: group.targets.count)
            if let refusal = applied.refusal {
                context.remark(
                    "smooth-quant: inserted a Mul by 1/s before \(quoted(group.layerNames)) reading '\(name)': \(refusal)"
                )
            }
            if applied.restoredReaders > 0 {
                context.remark(
                    "smooth-quant: '\(name)' folded into its producer; \(applied.restoredReaders) other reader(s) "
                        + "get the unscaled value through a Mul by s")
            }
            if applied.copiedNodes > 0 {
                context.remark(
                    "smooth-quant: '\(name)' has other readers, so \(quoted(group.layerNames)) read a copy of its "
                        + "producer (\(applied.copiedNodes) node(s)) holding 1/s and the others keep the original")
            }
        }
        return PassResult(changed: statistics.changed, statistics: statistics.counters)
    }

    /// `weights`: each target's current weight, decoded (`SmoothingTarget.currentWeight`).
    private func search(
        _ group: SmoothingGroup, weights decoded: [(shape: [Int], values: [Float])?], profile: ActivationProfile,
        activationMax: [Float], weightMax: [Float]
    ) throws -> AlphaSearch.Outcome {
        var matrices: [[Float]] = []
        for (target, weight) in zip(group.targets, decoded) {
            guard let weight, let matrix = target.weightMatrix(weight.values) else { continue }
            matrices.append(matrix)
        }
        let outputs = group.targets.reduce(0) { $0 + $1.outputs }
        var weights = [Float](repeating: 0, count: group.channels * outputs)
        var column = 0
        for (target, matrix) in zip(group.targets, matrices) {
            for row in 0..<group.channels {
                for offset in 0..<target.outputs {
                    weights[row * outputs + column + offset] = matrix[row * target.outputs + offset]
                }
            }
            column += target.outputs
        }
        let search = AlphaSearch(
            rows: profile.rows, rowCount: profile.rowCount, channels: group.channels,
            activationMax: activationMax, weights: weights, outputs: outputs, weightMax: weightMax)
        return try search.run(candidates: SmoothQuantAlpha.candidates)
    }

    /// The largest magnitude per input channel over `weights`, the current weights of all layers of `group`.
    private func weightMaxima(_ group: SmoothingGroup, weights: [(shape: [Int], values: [Float])?]) -> [Float] {
        var maxima = [Float](repeating: 0, count: group.channels)
        for (target, weight) in zip(group.targets, weights) {
            guard let (shape, values) = weight else { continue }
            let rows = ChannelScaling.absMax(values, shape: shape, axis: shape.count + target.weightAxisFromEnd)
            for (index, value) in rows.enumerated() where index < maxima.count {
                maxima[index] = max(maxima[index], value)
            }
        }
        return maxima
    }

    /// The model metadata key listing the values smooth-quant divided by `s` in place (comma-separated): they
    /// keep their names but no longer hold the float model's values, so `qdqc compare` reports them apart.
    public static let rescaledMetadataKey = "qdqc.smooth_quant.rescaled"

    /// Adds `rescaled` to the model's list of rescaled values.
    private static func record(rescaled: [String], in model: Model) {
        guard !rescaled.isEmpty else { return }
        var names = rescaledValues(of: model)
        for name in rescaled where !names.contains(name) { names.append(name) }
        model.metadataProps.removeAll { $0.key == rescaledMetadataKey }
        model.metadataProps.append(KeyValue(rescaledMetadataKey, names.joined(separator: ",")))
    }

    /// The values a model's metadata says smooth-quant rescaled.
    public static func rescaledValues(of model: Model) -> [String] {
        guard let entry = model.metadataProps.last(where: { $0.key == rescaledMetadataKey }) else { return [] }
        return entry.value.split(separator: ",").map(String.init)
    }

    /// `maxima` with every channel of a class raised to the class's largest value.
    static func pooled(_ maxima: [Float], over classes: [[Int]]) -> [Float] {
        var result = maxima
        for members in classes where members.allSatisfy({ $0 >= 0 && $0 < maxima.count }) {
            let largest = members.map { maxima[$0] }.max() ?? 0
            for member in members { result[member] = largest }
        }
        return result
    }

    private func quoted(_ names: [String]) -> String {
        names.map { "'\($0)'" }.joined(separator: ", ")
    }
}
