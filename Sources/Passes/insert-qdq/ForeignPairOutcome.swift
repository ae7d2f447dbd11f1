/// What became of the pairs the input model held (`import-qdq`) once `insert-qdq` placed its own: kept with
/// their parameters, recalibrated because the target cannot take them as they are, or dropped because the
/// target places no pair there.
struct ForeignPairOutcome {
    /// Tensors whose pair is back with the model's parameters.
    let kept: [String]
    /// Tensors whose pair is back over the model's range, moved to the float8 format asked for.
    let converted: [String]
    /// Tensors with a pair again, but calibrated: (tensor, why).
    let recalibrated: [(tensor: String, reason: String)]
    /// Tensors the model quantized that the target leaves float: (tensor, why).
    let dropped: [(tensor: String, reason: String)]

    init(foreign: ForeignQuantization, planner: QDQPlanner, target: String) {
        let planned = planner.plannedTensorNames
        let keptNames = Set(planner.activations.compactMap { $0.keptFrom == nil ? nil : $0.value.name })
            .union(planner.weights.compactMap { $0.keptFrom == nil ? nil : $0.value.name })
        let rejected = Dictionary(
            planner.rejectedForeign.map { ($0.tensor, $0.reason) }, uniquingKeysWith: { a, _ in a })
        let changed = Set(planner.formatChanges.map(\.tensor))
        var kept: [String] = []
        var converted: [String] = []
        var recalibrated: [(String, String)] = []
        var dropped: [(String, String)] = []
        for tensor in foreign.order {
            guard let entry = foreign[tensor] else { continue }
            if keptNames.contains(tensor), changed.contains(tensor) {
                converted.append(tensor)
            } else if keptNames.contains(tensor) {
                kept.append(tensor)
            } else if planned.contains(tensor) {
                recalibrated.append((tensor, rejected[tensor] ?? "the model's pair '\(entry.node)' is recalibrated"))
            } else {
                dropped.append(
                    (tensor, "the model's pair '\(entry.node)' is dropped: \(target) places no pair on this tensor"))
            }
        }
        self.kept = kept
        self.converted = converted
        self.recalibrated = recalibrated
        self.dropped = dropped
    }

    /// `decisions` with the fate of the model's pairs added: a recalibrated tensor's rule says why, and a
    /// dropped one gets a float decision (or its float decision says the pair went).
    func amending(_ decisions: [QuantizationDecision]) -> [QuantizationDecision] {
        var result = decisions
        for (tensor, reason) in recalibrated {
            if let index = result.firstIndex(where: { $0.tensor == tensor && $0.quantized }) {
                result[index].rule += " (\(reason))"
            }
        }
        for (tensor, reason) in dropped {
            if let index = result.firstIndex(where: { $0.tensor == tensor }) {
                result[index].rule += "; \(reason)"
            } else {
                result.append(QuantizationDecision(tensor: tensor, quantized: false, rule: reason))
            }
        }
        return result
    }

    /// One remark line, or nil when the model held no pairs.
    var summary: String? {
        guard !(kept.isEmpty && converted.isEmpty && recalibrated.isEmpty && dropped.isEmpty) else { return nil }
        let total = kept.count + converted.count + recalibrated.count + dropped.count
        var line =
            "insert-qdq: of the model's \(total) quantized tensors, \(kept.count) keep their parameters, "
            + (converted.isEmpty ? "" : "\(converted.count) keep their range in float8, ")
            + "\(recalibrated.count) are recalibrated, \(dropped.count) are left float"
        let named = (recalibrated + dropped).prefix(3).map { "'\($0.tensor)': \($0.reason)" }
        if !named.isEmpty {
            line += " (" + named.joined(separator: "; ") + (recalibrated.count + dropped.count > 3 ? "; …)" : ")")
        }
        return line
    }
}
