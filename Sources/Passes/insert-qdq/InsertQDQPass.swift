import Calibration
import Foundation
import OnnxIR
import Quantization

/// Turns calibrated ranges into QuantizeLinear/DequantizeLinear pairs placed where the target engine fuses them.
///
/// The ranges come from the table file the `table` option names, else from the `calibrate` pass that ran
/// before in the same pipeline run.
///
/// Where pairs go is the target's table (`QuantizationTarget`); this pass only reads it. Weights become
/// quantized initializers followed by a DequantizeLinear, biases int32 where the target wants it, and every
/// tensor considered gets a `QuantizationDecision` in the pipeline session.
public struct InsertQDQPass: Pass {
    /// `insert-qdq`.
    public static let argument = "insert-qdq"
    /// Walks If/Loop/Scan bodies.
    public static let subgraphReach = SubgraphReach.entersSubgraphs
    /// One line for `list-passes`.
    public static let summary =
        "Inserts QuantizeLinear/DequantizeLinear pairs from calibrated ranges where the target engine fuses them."
    /// The options, in the order `list-passes` shows them.
    public static let options: [PassOption] = [
        PassOption(
            name: "target", valueSyntax: QuantizationTarget.all.map(\.name).joined(separator: "|"),
            defaultValue: QuantizationTarget.defaultName, summary: "The placement profile (see 'qdqc list-targets')."),
        PassOption(
            name: "activations", valueSyntax: "<format>|default", defaultValue: "default",
            summary: "Activation format: int8, uint8, int16, uint16, float8e4m3fn (the target's default otherwise)."),
        PassOption(
            name: "weights", valueSyntax: "<format>|none|default", defaultValue: "default",
            summary: "Weight format: int8, uint8, int16, uint16, int4, uint4, float8e4m3fn; none keeps weights float."),
        PassOption(
            name: "per-channel", valueSyntax: "true|false|default", defaultValue: "default",
            summary: "Per-channel weight scales on the output-channel axis (default: the target's choice)."),
        PassOption(
            name: "block-size", valueSyntax: "<integer>", defaultValue: "0",
            summary: "Per-block weight scales of this many elements along the reduction axis (opset 21); 0: none."),
        PassOption(
            name: "reduce-range", valueSyntax: "true|false|default", defaultValue: "default",
            summary: "ort: 8-bit weights on 7 bits (default true), so u8s8 kernels cannot saturate without VNNI."),
        PassOption(
            name: "symmetric-activations", valueSyntax: "true|false|default", defaultValue: "default",
            summary: "Symmetric activation ranges (zero point at the middle); the target may require it."),
        PassOption(
            name: "exclude-nodes", valueSyntax: "<regex>", defaultValue: "",
            summary: "Nodes whose name the regular expression matches (anywhere) stay in float."),
        PassOption(
            name: "exclude-op-types", valueSyntax: "<A,B,...>", defaultValue: "",
            summary: "Op types that stay in float (quote the list in a pipeline: \"Add,Mul\")."),
        PassOption(
            name: "causal-attention", valueSyntax: "float|quantize", defaultValue: "float",
            summary: "The products Q·Kᵀ and P·V of a self-attention with a position-derived (causal) mask: "
                + "float (what decoder engines run them in) or quantize."),
        PassOption(
            name: "config", valueSyntax: "<file.json>", defaultValue: "",
            summary: "Per-tensor overrides (schemas/quantization-config.schema.json)."),
        PassOption(
            name: "table", valueSyntax: "<file.json>", defaultValue: "",
            summary: "Read the ranges from this calibration table (schemas/calibration-table.schema.json) "
                + "instead of the ones calibrate left in this run."),
    ]

    private let settings: InsertQDQSettings
    /// The options as given, for the copies the auto-range check quantizes.
    private let options: [String: String]
    /// Calibration samples (the last ones) on which `AutoRangeCheck` compares a `method=auto` table with minmax.
    static let autoCheckSamples = 8

    /// Reads and checks the options (the config file is read and validated here).
    public init(options: [String: String]) throws {
        settings = try InsertQDQSettings(options: try PassOptionReader(options, for: Self.self))
        self.options = options
    }

    /// The default-domain opset this pass's formats and granularity need (from its options and its config file).
    ///
    /// `upgrade-opset` must reach it before the pass runs; `Pipeline.raiseOpsetForInsertQDQ` sees to that.
    public var requiredOpset: Int { settings.requiredOpset }

    /// Plans every pair, checks the opset, then rewrites the main graph and the If/Loop/Scan bodies in it.
    public func run(on model: Model, context: PassContext) throws -> PassResult {
        let graph = model.graph
        if let existing = graph.allNodes().first(where: {
            ["QuantizeLinear", "DequantizeLinear"].contains($0.opType) && $0.graph !== graph
        }) {
            throw InsertQDQError(
                "insert-qdq: the model is already quantized inside an If/Loop/Scan body ('\(existing.displayName)' "
                    + "is a \(existing.opType)): pairs inside bodies are not read ('\(ImportQDQPass.argument)' reads "
                    + "the main graph only), so such a model cannot be quantized again")
        }
        if let existing = graph.nodes.first(where: { ["QuantizeLinear", "DequantizeLinear"].contains($0.opType) }) {
            throw InsertQDQError(
                "insert-qdq: the model is already quantized ('\(existing.displayName)' is a \(existing.opType)): "
                    + "run '\(ImportQDQPass.argument)' before it (the default pipeline does)")
        }
        try checkConfigNames(graph)
        var table = try settings.tablePath.map(CalibrationTable.read(path:)) ?? context.session.calibrationTable
        var autoStatistics: [String: Int] = [:]
        if let autoTable = table, autoTable.method == .auto {
            if let source = context.calibrationData {
                let outcome = try AutoRangeCheck(insertOptions: options, sampleLimit: Self.autoCheckSamples)
                    .chooseOnce(autoTable, model: model, source: source, context: context)
                table = outcome.table
                autoStatistics["auto-ranges-kept"] = outcome.keptAuto ? 1 : 0
                let verdict = outcome.worseOutput.map { "using minmax ('\($0)' is worse with auto)" } ?? "keeping auto"
                context.remark(
                    "insert-qdq: auto ranges \(String(format: "%.2f", outcome.autoSQNR)) dB, minmax ranges "
                        + "\(String(format: "%.2f", outcome.minMaxSQNR)) dB worst output SQNR on the last "
                        + "\(outcome.samples) calibration samples: \(verdict)")
            } else {
                context.remark("insert-qdq: auto ranges used unchecked (no calibration samples to compare with minmax)")
            }
        }
        var planner = try QDQPlanner(
            graph: graph, settings: settings, table: table,
            floatNodes: Set(SplitOutlierChannelsPass.floatNodes(of: model)),
            foreign: context.session.foreignQuantization)
        try planner.plan()
        try checkOpset(model, planner)
        if !planner.formatChanges.isEmpty {
            let weights = Dictionary(
                planner.weights.map { (planner.key($0.value), $0.tensor) }, uniquingKeysWith: { a, _ in a })
            planner.setFormatChanges(
                try ForeignFormatChangeMeasurement.measured(
                    planner.formatChanges, weights: weights, model: model, context: context))
            context.remark(ForeignFormatChangeMeasurement.summary(of: planner.formatChanges))
        }
        var rewriter = QDQRewriter(graph: graph, target: settings.target, calibrationMethod: table?.method.rawValue)
        try rewriter.apply(planner)
        raiseIRVersion(model, planner)
        let foreign = ForeignPairOutcome(
            foreign: context.session.foreignQuantization, planner: planner, target: settings.target.name)
        context.session.quantizationDecisions.append(contentsOf: foreign.amending(rewriter.decisions))
        context.session.quantizationTarget = settings.target.name
        if let line = foreign.summary { context.remark(line) }
        // The record now holds what was placed, so that cleanup-qdq protects a float8 scale as a kept one.
        for change in planner.formatChanges {
            guard var entry = context.session.foreignQuantization[change.tensor] else { continue }
            entry.params = change.to
            context.session.foreignQuantization.record(entry)
        }
        var statistics = [
            "activation-pairs": planner.activations.count,
            "quantized-weights": planner.weights.count,
            "int32-biases": planner.biases.count,
            "float-tensors": planner.skipped.count,
        ]
        statistics.merge(autoStatistics) { _, new in new }
        if !context.session.foreignQuantization.isEmpty {
            statistics["kept-model-pairs"] = foreign.kept.count
            if !foreign.converted.isEmpty { statistics["float8-model-pairs"] = foreign.converted.count }
            statistics["recalibrated-model-pairs"] = foreign.recalibrated.count
            statistics["dropped-model-pairs"] = foreign.dropped.count
        }
        context.remark(
            "insert-qdq (\(settings.target.name)): \(planner.activations.count) activation pairs, "
                + "\(planner.weights.count) quantized weights, \(planner.biases.count) int32 biases, "
                + "\(planner.skipped.count) tensors left in float")
        let changed = !(planner.activations.isEmpty && planner.weights.isEmpty && planner.biases.isEmpty)
        return PassResult(changed: changed, statistics: statistics)
    }

    /// 4-bit element types need IR version 10 and float8 ones 9; an older model would not load.
    private func raiseIRVersion(_ model: Model, _ planner: QDQPlanner) {
        let formats =
            planner.activations.compactMap { $0.params?.format } + planner.weights.map(\.scheme.format)
        var needed: Int64 = 0
        for format in formats {
            if format.bitWidth == 4 { needed = max(needed, 10) } else if format.isFloat8 { needed = max(needed, 9) }
        }
        if needed > 0, (model.irVersion ?? 0) < needed { model.irVersion = needed }
    }

    private func checkConfigNames(_ graph: Graph) throws {
        guard let path = settings.configPath, !settings.config.tensors.isEmpty else { return }
        let scoped = try ScopedValueNames(graph: graph)
        let known = Set(graph.definedValues().map(\.name) + scoped.bodyValues.map(\.name))
        if let unknown = settings.config.tensors.keys.sorted().first(where: { !known.contains($0) }) {
            throw InsertQDQError("quantization config '\(path)': tensor '\(unknown)' is not in the model")
        }
        // A weight's parameters come from its values (ONNX Runtime's overrides may set them; qdqc's may not).
        for value in graph.definedValues() + scoped.bodyValues.map(\.value) where ConstantData.tensor(of: value) != nil
        {
            guard let entry = settings.config.tensors[scoped.name(of: value)] else { continue }
            let fixed = [
                ("range", entry.range != nil), ("scale", entry.scale != nil), ("symmetric", entry.symmetric != nil),
            ]
            if let key = fixed.first(where: \.1)?.0 {
                throw InsertQDQError(
                    "quantization config '\(path)': tensor '\(value.name)' is a constant: '\(key)' applies to "
                        + "activations only (a weight's parameters come from its values)")
            }
        }
    }

    /// Refuses, naming the first pair that needs it, a model whose opset is too old for the planned pairs.
    private func checkOpset(_ model: Model, _ planner: QDQPlanner) throws {
        var needs: [(opset: Int, what: String)] = []
        for mark in planner.activations {
            if let params = mark.params {
                needs.append((params.format.minimumOpset(for: .perTensor), "\(params.format) activations"))
            }
        }
        for mark in planner.weights {
            let kind: String
            switch mark.granularity {
            case .perTensor: kind = "per-tensor"
            case .perChannel: kind = "per-channel"
            case .perBlock: kind = "per-block"
            }
            needs.append(
                (mark.scheme.format.minimumOpset(for: mark.granularity), "\(kind) \(mark.scheme.format) weights"))
        }
        guard let strictest = needs.max(by: { $0.opset < $1.opset }) else { return }
        let opset = model.opsetVersion(for: "") ?? 1
        if opset < Int64(strictest.opset) {
            throw InsertQDQError(
                "insert-qdq: \(strictest.what) need opset \(strictest.opset) but the model has opset \(opset); "
                    + "add 'upgrade-opset{to=\(strictest.opset)}' before calibrate and insert-qdq in the pipeline")
        }
    }
}

extension InsertQDQPass: SessionReadingPass {
    /// `calibrate` fills the ranges this pass reads.
    public static let sessionWriters = [CalibratePass.argument]

    /// The file name of the pinned calibration table in a reproducer.
    static let pinnedTableFileName = "calibration-table.json"

    /// Writes the session's calibration table into the reproducer and names it with `table=`.
    public static func pinning(_ element: PipelineElement, session: PipelineSession, files: ReproducerFiles) throws
        -> PipelineElement
    {
        guard element.optionValues["table"] == nil, let table = session.calibrationTable else { return element }
        let path = try files.write(
            try table.jsonData(path: files.path(pinnedTableFileName)), named: pinnedTableFileName)
        var pinned = element
        pinned.options.append(PipelineOption(key: "table", value: path))
        return pinned
    }
}
