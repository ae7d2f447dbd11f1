import OnnxIR
import Quantization

/// Tidies the pairs `insert-qdq` (or another tool) left: redundant requantization, scales that differ across
/// shape-only ops, pairs no consumer fuses, and Relu/Clip made redundant by an asymmetric range.
///
/// Every rewrite is exact except dropping an unfusable pair, which removes quantization noise (the float
/// value reaches the consumer directly). Rewrites repeat until nothing changes.
public struct CleanupQDQPass: Pass {
    /// `cleanup-qdq`.
    public static let argument = "cleanup-qdq"
    /// Walks If/Loop/Scan bodies.
    public static let subgraphReach = SubgraphReach.entersSubgraphs
    /// One line for `list-passes`.
    public static let summary =
        "Removes redundant Q/DQ pairs, shares scales across shape-only ops, drops pairs no consumer fuses, and "
        + "removes Relu/Clip an asymmetric range makes redundant."
    /// The options.
    public static let options: [PassOption] = [
        PassOption(
            name: "target", valueSyntax: (["auto"] + QuantizationTarget.all.map(\.name)).joined(separator: "|"),
            defaultValue: "auto",
            summary: "The engine whose fusions decide which pairs are worth keeping; auto: the one insert-qdq used "
                + "in this pipeline (else \(QuantizationTarget.defaultName))."),
        PassOption(
            name: "drop-unfusable", valueSyntax: "true|false", defaultValue: "true",
            summary: "Drop pairs whose producer and consumers the target cannot fuse."),
    ]

    /// The ops that only move or select elements: a value quantized before them is quantized the same after.
    static let shapeOnlyOps: Set<String> = [
        "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Flatten", "Identity", "MaxPool", "Slice", "Gather",
        "GatherElements", "Resize", "Split",
    ]

    private let target: QuantizationTarget?
    private let dropsUnfusable: Bool

    /// Reads the options.
    public init(options: [String: String]) throws {
        let reader = try PassOptionReader(options, for: Self.self)
        let name = try reader.string("target")
        if name == "auto" {
            target = nil
        } else if let target = QuantizationTarget.named(name) {
            self.target = target
        } else {
            let names = (["auto"] + QuantizationTarget.all.map(\.name)).joined(separator: ", ")
            throw InsertQDQError("cleanup-qdq: unknown target '\(name)' (known: \(names))")
        }
        dropsUnfusable = try reader.bool("drop-unfusable")
    }

    /// Applies the rewrites to the main graph until none applies.
    public func run(on model: Model, context: PassContext) throws -> PassResult {
        let target =
            self.target ?? context.session.quantizationTarget.flatMap(QuantizationTarget.named)
            ?? QuantizationTarget.tensorRT
        let foreign = context.session.foreignQuantization
        var modelScales: [String: Float] = [:]
        for (tensor, entry) in foreign.entries where !entry.isConstant && entry.params.scales.count == 1 {
            modelScales[tensor] = entry.params.scales[0]
        }
        // The main graph first, then every If/Loop/Scan body (nested ones included), each under the same rules.
        var statistics: [String: Int] = [:]
        for graph in [model.graph] + model.graph.allNodes().flatMap(\.subgraphs) {
            var cleaner = QDQCleaner(
                graph: graph, target: target, dropsUnfusable: dropsUnfusable, modelScales: modelScales)
            try cleaner.run()
            statistics.merge(cleaner.statistics, uniquingKeysWith: +)
        }
        return PassResult(changed: statistics.values.contains { $0 > 0 }, statistics: statistics)
    }
}

extension CleanupQDQPass: SessionReadingPass {
    /// `insert-qdq` sets the target `target=auto` follows.
    public static let sessionWriters = [InsertQDQPass.argument]

    /// Replaces `target=auto` (written or by default) with the target `insert-qdq` used in the run.
    public static func pinning(_ element: PipelineElement, session: PipelineSession, files: ReproducerFiles) throws
        -> PipelineElement
    {
        guard let target = session.quantizationTarget else { return element }
        var pinned = element
        if let index = pinned.options.firstIndex(where: { $0.key == "target" }) {
            guard pinned.options[index].value == "auto" else { return element }
            pinned.options[index].value = target
        } else {
            pinned.options.append(PipelineOption(key: "target", value: target))
        }
        return pinned
    }
}
