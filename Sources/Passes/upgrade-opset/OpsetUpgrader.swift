import OnnxIR

/// Raises a model's default-domain opset, rewriting the nodes whose signature or meaning changed on the way.
///
/// It follows ONNX's version converter step by step (opset 7 to 8, 8 to 9,
/// ...), so each rewrite only has to know one change. Nodes of other domains
/// are left alone; the graphs nested in If, Loop and Scan and the bodies of
/// model-local functions are converted too. The IR version rises to the
/// oldest one that may carry the new opset. A model already at or above the
/// requested opset is left as it is: this never downgrades.
public struct OpsetUpgrader {
    /// The oldest default-domain opset a model may start from.
    public static let oldestSourceOpset = OpsetAdapters.oldestSource
    /// The newest default-domain opset a model may be raised to.
    public static let newestTargetOpset = OpsetAdapters.newestTarget

    /// The opset per-axis QuantizeLinear/DequantizeLinear needs (the default target of `upgrade-opset`).
    public static let perAxisQuantizationOpset: Int64 = 13

    /// Raises `model`'s default-domain opset to `opset` in place; on error the model may be partly converted.
    @discardableResult
    public static func upgrade(_ model: Model, to opset: Int64) throws -> OpsetUpgradeSummary {
        guard opset <= newestTargetOpset else {
            throw OpsetUpgradeError.targetTooNew(opset: opset, newest: newestTargetOpset)
        }
        let source = model.opsetVersion(for: "")
        guard let source else {
            if let node = firstDefaultDomainNode(in: model) {
                throw OpsetUpgradeError.missingDefaultImport(node: node.displayName)
            }
            model.setOpsetVersion(opset, for: "")
            raiseIRVersion(of: model, for: opset)
            return OpsetUpgradeSummary(fromOpset: nil, toOpset: opset)
        }
        guard source < opset else { return OpsetUpgradeSummary(fromOpset: source, toOpset: source) }
        guard source >= oldestSourceOpset else {
            throw OpsetUpgradeError.sourceTooOld(opset: source, oldest: oldestSourceOpset)
        }
        let rewriter = OpsetRewriter(functionBodies: Set(model.functions.map { ObjectIdentifier($0.body) }))
        try convert(model.graph, from: source, to: opset, rewriter: rewriter)
        for function in model.functions {
            let index = function.opsetImports.firstIndex { OpsetImport.isDefaultDomain($0.domain) }
            guard let index else { continue }
            let functionSource = function.opsetImports[index].version
            guard functionSource < opset else { continue }
            guard functionSource >= oldestSourceOpset else {
                throw OpsetUpgradeError.sourceTooOld(opset: functionSource, oldest: oldestSourceOpset)
            }
            try convert(function.body, from: functionSource, to: opset, rewriter: rewriter)
            function.opsetImports[index].version = opset
        }
        model.setOpsetVersion(opset, for: "")
        raiseIRVersion(of: model, for: opset)
        return OpsetUpgradeSummary(
            fromOpset: source, toOpset: opset, rewrittenNodes: rewriter.rewritten,
            insertedNodes: rewriter.insertedNodes,
            addedConstants: rewriter.addedConstants)
    }

    /// The oldest IR version that may import default-domain opset `opset` (onnx.helper's version table).
    public static func minimumIRVersion(forOpset opset: Int64) -> Int64 {
        switch opset {
        case ...8: return 3
        case 9: return 4
        case 10: return 5
        case 11: return 6
        case 12...14: return 7
        case 15...18: return 8
        case 19...20: return 9
        case 21...22: return 10
        default: return 11
        }
    }

    private static func raiseIRVersion(of model: Model, for opset: Int64) {
        let needed = minimumIRVersion(forOpset: opset)
        if (model.irVersion ?? 0) < needed { model.irVersion = needed }
    }

    private static func convert(_ graph: Graph, from source: Int64, to target: Int64, rewriter: OpsetRewriter) throws {
        for node in graph.nodes {
            var current = node
            if OpsetImport.isDefaultDomain(node.domain) {
                if OpsetAdapters.removedExperimentalOps.contains(node.opType) {
                    throw OpsetUpgradeError.cannotConvert(
                        node: node.displayName, opType: node.opType, toOpset: target,
                        reason: "it is an experimental op that no official opset has")
                }
                for step in (source + 1)...target {
                    current = try OpsetAdapters.adapt(current, to: step, rewriter: rewriter)
                }
            }
            for subgraph in current.subgraphs {
                try convert(subgraph, from: source, to: target, rewriter: rewriter)
            }
        }
    }

    private static func firstDefaultDomainNode(in model: Model) -> Node? {
        model.graph.allNodes().first { OpsetImport.isDefaultDomain($0.domain) }
    }
}
