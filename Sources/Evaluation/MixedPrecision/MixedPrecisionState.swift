/// One step `MixedPrecisionSearch` may take: a tensor and the precision it would move to.
struct MixedPrecisionCandidate {
    /// The tensor's name in the float model.
    var tensor: String
    /// Its next wider precision.
    var precision: SitePrecision
}

/// Where `MixedPrecisionSearch` stands: each raised tensor's precision, the compute layers running wide, and
/// which tensor to raise next by gain per cost within the bound.
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

    /// Starts with nothing raised; `widenable` are the tensors that have a 16-bit pair.
    init(sensitivity: SensitivityReport, widenable: Set<String>, maxWideFraction: Double) {
        tensors = Dictionary(sensitivity.tensors.map { ($0.tensor, $0) }, uniquingKeysWith: { first, _ in first })
        order = sensitivity.tensors.sorted { ($0.position, $0.tensor) < ($1.position, $1.tensor) }.map(\.tensor)
        layerMACs = sensitivity.layerMACs
        totalMACs = sensitivity.totalMACs
        self.widenable = widenable
        self.maxWideFraction = maxWideFraction
    }

    /// The MACs per sample of the compute layers running wide.
    var wideMACs: Int { macs(wideLayers) }

    /// `wideMACs` as a fraction of all compute-layer MACs (0 without any).
    var wideFraction: Double { fraction(wideLayers) }

    /// The precision a raise would move `tensor` to: a 16-bit pair first where it has one, then float; nil once
    /// it is float.
    func step(_ tensor: String) -> SitePrecision? {
        switch precisions[tensor] ?? .quantized {
        case .quantized: return widenable.contains(tensor) ? .wide : .float
        case .wide: return .float
        case .float: return nil
        }
    }

    /// The best candidate by gain per added MACs among the tensors whose gain reaches the minimum, not in
    /// `excluding`, that can still step and stay within the bound; nil when there is none.
    func next(gains: [String: Double], excluding: Set<String>) -> MixedPrecisionCandidate? {
        var best: (tensor: String, precision: SitePrecision, score: Double, gain: Double)?
        for tensor in order where !excluding.contains(tensor) {
            guard let gain = gains[tensor], gain >= MixedPrecisionSearch.minimumGain, let precision = step(tensor),
                let layers = tensors[tensor]?.layers, withinBound(layers)
            else { continue }
            let added = macs(wideLayers.union(layers)) - wideMACs
            let score = gain / Double(added + 1)
            // `order` is by position and name already, so only a better score or gain replaces the best.
            if let best, score < best.score || (score == best.score && gain <= best.gain) { continue }
            best = (tensor, precision, score, gain)
        }
        return best.map { MixedPrecisionCandidate(tensor: $0.tensor, precision: $0.precision) }
    }

    /// Every tensor that can still step within the bound, in graph order, with the precision it would move to.
    func steppable() -> [(tensor: String, precision: SitePrecision)] {
        order.compactMap { tensor in
            guard let precision = step(tensor), let layers = tensors[tensor]?.layers, withinBound(layers) else {
                return nil
            }
            return (tensor, precision)
        }
    }

    /// The tensors whose gain reaches the minimum but whose step would exceed the bound, in graph order.
    func overBound(gains: [String: Double]) -> [String] {
        order.filter { tensor in
            guard let gain = gains[tensor], gain >= MixedPrecisionSearch.minimumGain, step(tensor) != nil,
                let layers = tensors[tensor]?.layers
            else { return false }
            return !withinBound(layers)
        }
    }

    /// Keeps `candidate`'s raise, measured at `worstAfter` dB for the worst output.
    mutating func raise(_ candidate: MixedPrecisionCandidate, gain: Double, worstAfter: Double) {
        precisions[candidate.tensor] = candidate.precision
        let sensitivity = tensors[candidate.tensor]
        wideLayers.formUnion(sensitivity?.layers ?? [])
        raised.append(
            RaisedTensor(
                tensor: candidate.tensor, kind: sensitivity?.kind ?? .activation, precision: candidate.precision,
                gain: gain, macs: sensitivity?.macs ?? 0, worstSQNRAfter: worstAfter, wideMACFractionAfter: wideFraction
            ))
    }

    private func withinBound(_ layers: [String]) -> Bool {
        fraction(wideLayers.union(layers)) <= maxWideFraction + 1e-12
    }

    private func macs(_ layers: Set<String>) -> Int { layers.reduce(0) { $0 + (layerMACs[$1] ?? 0) } }

    private func fraction(_ layers: Set<String>) -> Double {
        totalMACs > 0 ? Double(macs(layers)) / Double(totalMACs) : 0
    }
}
