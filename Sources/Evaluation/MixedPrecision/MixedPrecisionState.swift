/// One step `MixedPrecisionSearch` may take: a tensor and the precision it would move to.
struct MixedPrecisionCandidate {
    /// The tensor's name in the float model.
    var tensor: String
    /// Its next wider precision.
    var precision: SitePrecision
}

/// Where `MixedPrecisionSearch` stands: each raised tensor's precision, the compute layers running wide, the
/// weight bytes stored wide, and which tensor to raise next by gain per cost within the bound.
struct MixedPrecisionState {
    /// The precision of every raised tensor (a tensor not listed is quantized).
    private(set) var precisions: [String: SitePrecision] = [:]
    /// The raises kept, in order.
    private(set) var raised: [RaisedTensor] = []
    private var wideLayers = Set<String>()
    private let tensors: [String: TensorSensitivity]
    private let order: [String]
    private let layerMACs: [String: Int]
    private let totalMACs: Int
    private let widenable: Set<String>
    private let maxWideFraction: Double
    private let bound: MixedPrecisionBound
    private let storedBits: [String: Int]
    private let minimumGain: Double

    /// Starts with nothing raised; `widenable` are the tensors that have a widened form, `storedBits` the bits
    /// per element of each weight's codes, `bound` what `maxWideFraction` limits, and `minimumGain` the gain a
    /// raise must promise.
    init(
        sensitivity: SensitivityReport, widenable: Set<String>, maxWideFraction: Double,
        bound: MixedPrecisionBound = .macs, storedBits: [String: Int] = [:],
        minimumGain: Double = MixedPrecisionSearch.minimumGain
    ) {
        tensors = Dictionary(sensitivity.tensors.map { ($0.tensor, $0) }, uniquingKeysWith: { first, _ in first })
        order = sensitivity.tensors.sorted { ($0.position, $0.tensor) < ($1.position, $1.tensor) }.map(\.tensor)
        layerMACs = sensitivity.layerMACs
        totalMACs = sensitivity.totalMACs
        self.widenable = widenable
        self.maxWideFraction = maxWideFraction
        self.bound = bound
        self.storedBits = storedBits
        self.minimumGain = minimumGain
    }

    /// The MACs per sample of the compute layers running wide.
    var wideMACs: Int { macs(wideLayers) }

    /// `wideMACs` as a fraction of all compute-layer MACs (0 without any).
    var wideFraction: Double { fraction(wideLayers) }

    /// The bytes the raised weights' codes take (an int8 weight 1 per element, a float one 4).
    var wideBytes: Int { Int(wideBytes(precisions).rounded()) }

    /// The bytes every measured weight's codes take, raised or not (a 4-bit weight ½ per element).
    var weightBytes: Int { Int(weightBytes(precisions).rounded()) }

    /// `wideBytes / weightBytes` (0 without weights).
    var wideByteFraction: Double { byteFraction(precisions) }

    /// The fraction `maxWideFraction` bounds: of MACs, or (weight-only models) of weight bytes.
    var boundedFraction: Double { bound == .bytes ? wideByteFraction : wideFraction }

    /// What `boundedFraction` is a fraction of, for messages.
    var boundedName: String { bound == .bytes ? "weight bytes" : "MACs" }

    /// The precision a raise would move `tensor` to: its widened form first where it has one, then float; nil
    /// once it is float. (The FP8 form is not a raise: `useFloat8` moves a whole group there.)
    func step(_ tensor: String) -> SitePrecision? {
        switch precisions[tensor] ?? .quantized {
        case .quantized, .float8: return widenable.contains(tensor) ? .wide : .float
        case .wide: return .float
        case .float: return nil
        }
    }

    /// The best candidate by gain per added cost (MACs, or bytes under a byte bound) among the tensors whose
    /// gain reaches the minimum, not in `excluding`, that can still step and stay within the bound; nil when
    /// there is none.
    func next(gains: [String: Double], excluding: Set<String>) -> MixedPrecisionCandidate? {
        var best: (tensor: String, precision: SitePrecision, score: Double, gain: Double)?
        for tensor in order where !excluding.contains(tensor) {
            guard let gain = gains[tensor], gain >= minimumGain, let precision = step(tensor),
                let layers = tensors[tensor]?.layers, withinBound(tensor, precision, layers: layers)
            else { continue }
            let score = gain / (addedCost(tensor, precision, layers: layers) + 1)
            // `order` is by position and name already, so only a better score or gain replaces the best.
            if let best, score < best.score || (score == best.score && gain <= best.gain) { continue }
            best = (tensor, precision, score, gain)
        }
        return best.map { MixedPrecisionCandidate(tensor: $0.tensor, precision: $0.precision) }
    }

    /// Every tensor that can still step within the bound, in graph order, with the precision it would move to.
    func steppable() -> [(tensor: String, precision: SitePrecision)] {
        order.compactMap { tensor in
            guard let precision = step(tensor), let layers = tensors[tensor]?.layers,
                withinBound(tensor, precision, layers: layers)
            else { return nil }
            return (tensor, precision)
        }
    }

    /// The tensors whose gain reaches the minimum but whose step would exceed the bound, in graph order.
    func overBound(gains: [String: Double]) -> [String] {
        order.filter { tensor in
            guard let gain = gains[tensor], gain >= minimumGain, let precision = step(tensor),
                let layers = tensors[tensor]?.layers
            else { return false }
            return !withinBound(tensor, precision, layers: layers)
        }
    }

    /// Keeps `candidate`'s raise, measured at `worstAfter` dB for the worst output (and `perplexityAfter`).
    mutating func raise(
        _ candidate: MixedPrecisionCandidate, gain: Double, worstAfter: Double, perplexityAfter: Double? = nil
    ) {
        precisions[candidate.tensor] = candidate.precision
        let sensitivity = tensors[candidate.tensor]
        wideLayers.formUnion(sensitivity?.layers ?? [])
        var entry = RaisedTensor(
            tensor: candidate.tensor, kind: sensitivity?.kind ?? .activation, precision: candidate.precision,
            gain: gain, macs: sensitivity?.macs ?? 0, worstSQNRAfter: worstAfter, wideMACFractionAfter: wideFraction)
        entry.bytes = Int(bytes(candidate.tensor, candidate.precision).rounded())
        entry.wideByteFractionAfter = wideByteFraction
        entry.perplexityAfter = perplexityAfter
        raised.append(entry)
    }

    /// Keeps the move of `group` (tensors that are operands of the same compute layers) to FP8 E4M3, measured
    /// at `worstAfter` dB for the worst output: 8 bits still, so no layer becomes wide.
    mutating func useFloat8(
        _ group: [(tensor: String, kind: TensorPairKind)], gain: Double, worstAfter: Double,
        perplexityAfter: Double? = nil
    ) {
        for (tensor, kind) in group {
            precisions[tensor] = .float8
            var entry = RaisedTensor(
                tensor: tensor, kind: kind, precision: .float8, gain: gain, macs: 0,
                worstSQNRAfter: worstAfter, wideMACFractionAfter: wideFraction)
            entry.bytes = Int(bytes(tensor, .float8).rounded())
            entry.wideByteFractionAfter = wideByteFraction
            entry.perplexityAfter = perplexityAfter
            entry.together = group.count > 1 ? group.map(\.tensor).filter { $0 != tensor } : nil
            raised.append(entry)
        }
    }

    private func withinBound(_ tensor: String, _ precision: SitePrecision, layers: [String]) -> Bool {
        let after: Double
        switch bound {
        case .macs: after = fraction(wideLayers.union(layers))
        case .bytes: after = byteFraction(precisions.merging([tensor: precision]) { $1 })
        }
        return after <= maxWideFraction + 1e-12
    }

    /// What stepping `tensor` to `precision` adds to the bounded cost: MACs of layers not yet wide, or bytes.
    private func addedCost(_ tensor: String, _ precision: SitePrecision, layers: [String]) -> Double {
        switch bound {
        case .macs: return Double(macs(wideLayers.union(layers)) - wideMACs)
        case .bytes:
            return wideBytes(precisions.merging([tensor: precision]) { $1 }) - wideBytes(precisions)
        }
    }

    /// The bytes `tensor`'s codes take at `precision`: its stored bits per element as quantized, 8 widened or
    /// in FP8, 32 in float; 0 for an activation.
    private func bytes(_ tensor: String, _ precision: SitePrecision) -> Double {
        guard let bits = storedBits[tensor], let elements = tensors[tensor]?.elements else { return 0 }
        switch precision {
        case .quantized: return Double(elements * bits) / 8
        case .wide, .float8: return Double(elements)
        case .float: return Double(elements) * 4
        }
    }

    /// The bytes of the weights stored wider than their pair (FP8 codes are no wider than int8 ones).
    private func wideBytes(_ precisions: [String: SitePrecision]) -> Double {
        precisions.reduce(0) { $0 + ($1.value == .float8 ? 0 : bytes($1.key, $1.value)) }
    }

    private func weightBytes(_ precisions: [String: SitePrecision]) -> Double {
        storedBits.keys.reduce(0) { $0 + bytes($1, precisions[$1] ?? .quantized) }
    }

    private func byteFraction(_ precisions: [String: SitePrecision]) -> Double {
        let total = weightBytes(precisions)
        return total > 0 ? wideBytes(precisions) / total : 0
    }

    private func macs(_ layers: Set<String>) -> Int { layers.reduce(0) { $0 + (layerMACs[$1] ?? 0) } }

    private func fraction(_ layers: Set<String>) -> Double {
        totalMACs > 0 ? Double(macs(layers)) / Double(totalMACs) : 0
    }
}

/// What `--max-wide-fraction` bounds.
public enum MixedPrecisionBound: String, Sendable, Equatable, Codable {
    /// The fraction of the compute layers' MACs that run wide (a layer with an operand raised).
    case macs
    /// The fraction of the quantized weights' bytes stored wide (raised weights: int8 1 byte per element,
    /// float 4): models with weights quantized and activations in float (weight-only).
    case bytes
}
