import OnnxIR

/// Cross-layer equalization (Nagel et al. 2019, "Data-Free Quantization"): per channel `i` between two layers,
/// divides the first layer's output channel by `s_i` and multiplies the second's input channel by `s_i`,
/// with `s_i = sqrt(r1_i / r2_i)` so both end with the weight range `sqrt(r1_i · r2_i)`.
///
/// The float model computes the same function afterwards because the activation between the layers (if
/// any) is positively homogeneous (`EqualizationPair`). Per-channel weight ranges that differ by orders of
/// magnitude, as in depthwise convolutions after BatchNorm folding, become alike, which is what per-tensor
/// weight scales need; with per-channel weight scales it mostly moves the spread into the activations
/// between the layers, which can cost accuracy (docs/benchmarks.md).
public struct EqualizePass: Pass {
    /// `equalize`.
    public static let argument = "equalize"
    /// Does not walk If/Loop/Scan bodies.
    public static let subgraphReach = SubgraphReach.mainGraphOnly
    /// One line for `list-passes`.
    public static let summary =
        "Cross-layer equalization: rescales channels between Conv/Gemm/MatMul pairs joined by ReLU so their weight ranges match."
    /// `iterations=<integer>`.
    public static let options = [
        PassOption(
            name: "iterations", valueSyntax: "<integer>", defaultValue: "8",
            summary: "Sweeps over all pairs at most (chains such as Conv→DepthwiseConv→Conv need several)."),
        PassOption(
            name: "per-channel-weights", valueSyntax: "true|false", defaultValue: "false",
            summary:
                "The weights will be quantized per channel: rescale nothing and say why (--equalize sets it from insert-qdq)."
        ),
    ]

    /// The largest number of sweeps.
    public let iterations: Int
    /// Whether the weights will be quantized per channel, which leaves equalization nothing to gain.
    public let perChannelWeights: Bool

    /// Creates the pass from its options.
    public init(options: [String: String]) throws {
        let reader = try PassOptionReader(options, for: Self.self)
        iterations = try reader.int("iterations")
        perChannelWeights = try reader.bool("per-channel-weights")
        guard iterations > 0 else {
            throw PassError.invalidOptionValue(
                pass: Self.argument, option: "iterations", value: String(iterations), expected: "a positive integer")
        }
    }

    /// A sweep whose factors all lie within this of 1 (in log) ends the iteration: the ranges have settled.
    private static let settled = 1e-6

    /// Equalizes every pair of the main graph (nested graphs are left as they are).
    public func run(on model: Model, context: PassContext) throws -> PassResult {
        let graph = model.graph
        let opset = model.opsetVersion(for: "") ?? InferShapesPass.latestKnownOpset
        var statistics = ["equalized-pairs": 0, "rescaled-channels": 0, "sweeps": 0]
        for refusal in EqualizationPair.Refusal.allCases { statistics[refusal.rawValue] = 0 }
        if perChannelWeights {
            // Per-channel scales absorb any rescaling of the first layer's rows, and a depthwise second layer's
            // too; what is left is the spread moved into the per-tensor activations between the layers, which
            // cost up to 13 dB on the shared CNNs (docs/benchmarks.md).
            statistics["per-channel-weights"] = 1
            context.remark(
                "equalize: the weights are quantized per channel, whose scales already absorb each channel's range; "
                    + "equalizing would only move the spread into the activations: left the model as it is "
                    + "(--per-tensor, or equalize{per-channel-weights=false}, equalizes)")
            return PassResult(changed: false, statistics: statistics)
        }
        var chains = EqualizationChains()
        for node in graph.nodes {
            guard let found = EqualizationPair.find(from: node, in: graph, opset: opset) else { continue }
            let refusal: (EqualizationPair.Refusal, String)
            switch found {
            case .success(let pair):
                guard let problem = chains.add(pair) else { continue }
                refusal = problem
            case .failure(let reason):
                refusal = (reason, reason.explanation)
            }
            statistics[refusal.0.rawValue, default: 0] += 1
            context.remark("equalize: left the layers after '\(node.displayName)' alone: \(refusal.1)")
        }
        guard !chains.pairs.isEmpty else { return PassResult(changed: false, statistics: statistics) }
        var rescaled = Set<[Int]>()
        for _ in 0..<iterations {
            statistics["sweeps", default: 0] += 1
            let largestStep = chains.sweep(rescaled: &rescaled)
            if largestStep < Self.settled { break }
        }
        statistics["equalized-pairs"] = chains.pairs.count
        statistics["rescaled-channels"] = rescaled.count
        guard !rescaled.isEmpty else { return PassResult(changed: false, statistics: statistics) }
        try chains.write(in: graph)
        return PassResult(changed: true, statistics: statistics)
    }
}
