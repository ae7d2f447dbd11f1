/// The counters `smooth-quant` reports.
struct SmoothQuantStatistics {
    /// Counter name to value; every fixed counter is present, zero or not.
    var counters: [String: Int] = [
        "smoothed-activations": 0, "smoothed-layers": 0, "folded-layernorm": 0, "folded-constants": 0,
        "folded-producer-weights": 0, "folded-through-layout": 0, "inserted-muls": 0, "copied-producers": 0,
        "cast-to-where": 0,
        "copied-nodes": 0, "restoring-muls": 0, "skipped-layers": 0, "skipped-shared-weights": 0,
    ]

    /// Whether the model changed.
    var changed: Bool { counters["smoothed-activations", default: 0] > 0 }

    /// Counts a layer left alone.
    mutating func count(_ refusal: SmoothingRefusal) {
        counters[refusal.isSharedWeight ? "skipped-shared-weights" : "skipped-layers", default: 0] += 1
    }

    /// Counts one smoothed activation.
    mutating func count(_ outcome: Smoother.Outcome, layers: Int) {
        counters["smoothed-activations", default: 0] += 1
        counters["smoothed-layers", default: 0] += layers
        switch outcome.folding {
        case .layerNormalization: counters["folded-layernorm", default: 0] += 1
        case .constants: counters["folded-constants", default: 0] += 1
        case .producerWeights: counters["folded-producer-weights", default: 0] += 1
        case .insertedMul: counters["inserted-muls", default: 0] += 1
        case .none: break
        }
        if outcome.restoredReaders > 0 { counters["restoring-muls", default: 0] += 1 }
        if outcome.copiedNodes > 0 {
            counters["copied-producers", default: 0] += 1
            counters["copied-nodes", default: 0] += outcome.copiedNodes
        }
        if outcome.crossedLayout { counters["folded-through-layout", default: 0] += 1 }
        if outcome.castToWhere { counters["cast-to-where", default: 0] += 1 }
    }
}
