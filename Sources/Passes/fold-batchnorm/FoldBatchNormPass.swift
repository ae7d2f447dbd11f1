import OnnxIR

/// Folds inference-mode BatchNormalization into the Conv, ConvTranspose, Gemm or MatMul before it, when exact.
///
/// The rules are in `BatchNormFolder`; a BatchNormalization that cannot be
/// folded stays as it is (later quantization keeps it in float) and gets a
/// remark saying why.
public struct FoldBatchNormPass: Pass {
    /// `fold-batchnorm`.
    public static let argument = "fold-batchnorm"
    /// Walks If/Loop/Scan bodies.
    public static let subgraphReach = SubgraphReach.entersSubgraphs
    /// One line for `list-passes`.
    public static let summary =
        "Folds inference BatchNormalization into the Conv, ConvTranspose, Gemm or MatMul before it, when exact."

    /// Creates the pass; it takes no options.
    public init(options: [String: String]) throws {
        _ = try PassOptionReader(options, for: Self.self)
    }

    /// Folds every foldable BatchNormalization in the main graph and the graphs nested in it.
    public func run(on model: Model, context: PassContext) throws -> PassResult {
        let folder = BatchNormFolder(opset: model.opsetVersion(for: "") ?? InferShapesPass.latestKnownOpset)
        var statistics = [
            "folded-conv": 0, "folded-conv-transpose": 0, "folded-gemm": 0, "folded-matmul": 0, "kept-batchnorms": 0,
        ]
        try fold(model.graph, with: folder, statistics: &statistics, remark: context.remark)
        let folded = statistics.filter { $0.key.hasPrefix("folded-") }.values.reduce(0, +)
        return PassResult(changed: folded > 0, statistics: statistics)
    }

    private func fold(
        _ graph: Graph, with folder: BatchNormFolder, statistics: inout [String: Int], remark: (String) -> Void
    ) throws {
        for node in graph.nodes {
            for subgraph in node.subgraphs { try fold(subgraph, with: folder, statistics: &statistics, remark: remark) }
            guard node.graph === graph, node.opType == "BatchNormalization", OpsetImport.isDefaultDomain(node.domain)
            else { continue }
            switch try folder.fold(node, in: graph) {
            case .success(let statistic):
                statistics[statistic, default: 0] += 1
            case .failure(let refusal):
                statistics["kept-batchnorms", default: 0] += 1
                remark("kept BatchNormalization '\(node.displayName)': \(refusal)")
            }
        }
    }
}
