import Calibration
import OnnxIR
import Quantization

/// Weight-only quantization: the constant weights of MatMul and Gemm layers (and, with `gather=true`,
/// embedding tables read by Gather) become low-bit codes read through a blocked DequantizeLinear, while
/// activations stay in float. `method=rtn` needs no data; `awq` and `gptq` run the model over the
/// calibration samples to measure the layers' inputs (see docs/weight-only.md).
///
/// Enters no subgraph: layers inside If/Loop/Scan bodies keep float weights.
public struct QuantizeWeightsPass: Pass {
    /// `quantize-weights`.
    public static let argument = "quantize-weights"
    /// Does not walk If/Loop/Scan bodies.
    public static let subgraphReach = SubgraphReach.mainGraphOnly
    /// One line for `list-passes`.
    public static let summary =
        "Weight-only quantization of MatMul/Gemm weights to blocked DequantizeLinear (int4, ...): RTN, AWQ or GPTQ."
    /// The options.
    public static let options = [
        PassOption(
            name: "method", valueSyntax: "rtn|awq|gptq", defaultValue: "rtn",
            summary: "Round to nearest (no data), AWQ or GPTQ (both need calibration data)."),
        PassOption(
            name: "format",
            valueSyntax:
                "int4|uint4|int8|uint8|int16|uint16|int2|uint2|float4e2m1|nvfp4|mxfp4|mxfp8e4m3|mxfp8e5m2|mxint8",
            defaultValue: "int4",
            summary: "The weights' format: element type and scale rule (docs/quantization-formats.md)."),
        PassOption(
            name: "block-size", valueSyntax: "auto|<integer>", defaultValue: "auto",
            summary: "Weights per block along the reduction axis (opset 21); 0 = one scale per output channel; "
                + "auto = 16 for nvfp4, 32 for MX formats, 128 otherwise."),
        PassOption(
            name: "zero-point", valueSyntax: "integer|minval", defaultValue: "integer",
            summary: "Asymmetric integer grids: an integer zero point, or minval (a float minimum per block, "
                + "written as DequantizeLinear then a blocked Add)."),
        PassOption(
            name: "symmetric", valueSyntax: "auto|true|false", defaultValue: "auto",
            summary: "Zero point fixed at the middle (auto: signed formats symmetric, unsigned asymmetric)."),
        PassOption(
            name: "scale-rule", valueSyntax: "auto|extreme|full|restricted", defaultValue: "auto",
            summary: "Symmetric scale: extreme = max-magnitude value maps to qmin (ORT, may be negative); "
                + "full = positive, both ends fit; restricted = max|w|/qmax; auto = the target's."),
        PassOption(
            name: "target", valueSyntax: "tensorrt|ort", defaultValue: QuantizationTarget.defaultName,
            summary: "The engine: decides the formats, zero points and scale signs allowed."),
        PassOption(
            name: "exclude-nodes", valueSyntax: "<regex>", defaultValue: "",
            summary: "Layers whose node name the regular expression matches keep float weights (e.g. the LM head)."),
        PassOption(
            name: "ops", valueSyntax: "MatMul,Gemm", defaultValue: "MatMul,Gemm",
            summary: "The op types whose constant weight is quantized."),
        PassOption(
            name: "gather", valueSyntax: "<bool>", defaultValue: "false",
            summary: "Also quantize embedding tables read by Gather (per row, RTN)."),
        PassOption(
            name: "act-order", valueSyntax: "<bool>", defaultValue: "true",
            summary: "GPTQ: quantize input channels in order of decreasing Hessian diagonal."),
        PassOption(
            name: "damp", valueSyntax: "<float>", defaultValue: "0.01",
            summary: "GPTQ: fraction of the mean Hessian diagonal added to the diagonal."),
        PassOption(
            name: "lazy-block", valueSyntax: "<integer>", defaultValue: "128",
            summary: "GPTQ: input channels whose errors are pushed before one product updates the rest."),
        PassOption(
            name: "sequential", valueSyntax: "<bool>", defaultValue: "false",
            summary: "GPTQ: measure each layer's inputs with the layers before it already quantized."),
        PassOption(
            name: "awq-grid", valueSyntax: "<integer>", defaultValue: "20",
            summary: "AWQ: scale exponents tried (0, 1/n, ...)."),
        PassOption(
            name: "awq-duo", valueSyntax: "<bool>", defaultValue: "true",
            summary: "AWQ: divide the factors by the weights' normalised per-channel magnitude too (AutoAWQ)."),
        PassOption(
            name: "balance-rows", valueSyntax: "<bool>", defaultValue: "false",
            summary: "AWQ: scale each sampled row to unit RMS, so attention-sink tokens do not dominate the error."),
        PassOption(
            name: "clip", valueSyntax: "<bool>", defaultValue: "true",
            summary: "AWQ: search a clipping ratio per block and output channel."),
        PassOption(
            name: "clip-skip", valueSyntax: "<regex>", defaultValue: "",
            summary: "AWQ: layers whose node name matches skip the clip search (e.g. q_proj|k_proj)."),
        PassOption(
            name: "logits", valueSyntax: "auto|none|<regex>", defaultValue: "auto",
            summary: "AWQ: graph outputs holding logits (auto: names containing 'logit'); the layers producing "
                + "them are judged by their softmax, not by squared error."),
        PassOption(
            name: "max-shrink", valueSyntax: "<float>", defaultValue: "0.5",
            summary: "AWQ: the largest range shrink the clip search tries."),
        PassOption(
            name: "clip-both-ends", valueSyntax: "<bool>", defaultValue: "false",
            summary: "AWQ, extreme grid: the clip search also tries anchoring the block's other end on qmax."),
        PassOption(
            name: "clip-sweeps", valueSyntax: "<integer>", defaultValue: "2",
            summary: "AWQ: passes choosing each block's clip again for the whole output error (blocks add up)."),
        PassOption(
            name: "clip-grid", valueSyntax: "<integer>", defaultValue: "40",
            summary: "AWQ: the clip search tries shrinks 1 - i/n for this n."),
        PassOption(
            name: "rows", valueSyntax: "<integer>", defaultValue: "512",
            summary: "AWQ: input rows (tokens) kept per layer input to judge scales and clips."),
    ]

    let settings: WeightOnlySettings

    /// Creates the pass; a bad option value or a format the target cannot take is an error.
    public init(options: [String: String]) throws {
        settings = try WeightOnlySettings(options: options)
    }

    /// The opset the output needs (21 for 4-bit or blocked weights, 23 FP4/NVFP4, 24 MX, 25 int2).
    public var requiredOpset: Int { settings.requiredOpset }

    /// Quantizes every eligible weight of the main graph.
    public func run(on model: Model, context: PassContext) throws -> PassResult {
        let opset = model.opsetVersion(for: "") ?? 1
        guard opset >= Int64(requiredOpset) else {
            throw QuantizeWeightsError(
                "quantize-weights: \(settings.format.rawValue) weights need opset \(requiredOpset) but the model has opset "
                    + "\(opset); add 'upgrade-opset{to=\(requiredOpset)}' before quantize-weights in the pipeline")
        }
        var statistics = WeightOnlyStatistics()
        var jobs = findJobs(in: model.graph, statistics: &statistics, context: context)
        guard !jobs.isEmpty else {
            context.remark(
                "quantize-weights: no \(settings.opTypes.sorted().joined(separator: "/")) layer with a constant "
                    + "float32 weight to quantize; the model is unchanged")
            return PassResult(changed: false, statistics: statistics.counters)
        }
        var rowScales: [ObjectIdentifier: [Float]] = [:]
        var logitLayers = Set<ObjectIdentifier>()
        var statisticsByInput: [String: LayerInputStatistics] = [:]
        switch settings.method {
        case .rtn:
            break
        case .awq:
            let source = try calibrationData(context)
            let activations = Set(jobs.compactMap { $0.sharedActivation?.name })
            statisticsByInput = try LayerInputCollector(rowLimit: settings.rowLimit, gram: false).collect(
                model: model, activations: Array(activations), source: source, context: context, task: Self.argument)
            logitLayers = settings.logitLayers(in: model.graph)
            rowScales = try AWQScaler(settings: settings, logitLayers: logitLayers).scale(
                model: model, jobs: jobs, statistics: statisticsByInput, counters: &statistics, context: context)
            // Scaling replaced weights by scaled copies: find the layers again.
            var ignored = WeightOnlyStatistics()
            let inputs = Dictionary(
                jobs.flatMap { job in job.layers.map { (ObjectIdentifier($0.node), job.sharedActivation?.name) } },
                uniquingKeysWith: { first, _ in first })
            jobs = findJobs(in: model.graph, statistics: &ignored, context: nil)
            for index in jobs.indices {
                jobs[index].statisticsInput =
                    jobs[index].layers.lazy.compactMap { inputs[ObjectIdentifier($0.node)] ?? nil }.first
            }
        case .gptq:
            let source = try calibrationData(context)
            if settings.sequential {
                try GPTQSequence(pass: self).run(
                    model: model, jobs: jobs, source: source, counters: &statistics, context: context)
                return PassResult(changed: statistics.quantized > 0, statistics: statistics.counters)
            }
            let activations = Set(jobs.compactMap { $0.sharedActivation?.name })
            statisticsByInput = try LayerInputCollector(rowLimit: 0, gram: true).collect(
                model: model, activations: Array(activations), source: source, context: context, task: Self.argument)
            for index in jobs.indices { jobs[index].statisticsInput = jobs[index].sharedActivation?.name }
        }
        try write(
            jobs, statistics: &statisticsByInput, rowScales: rowScales, logitLayers: logitLayers, into: model.graph,
            counters: &statistics, context: context)
        return PassResult(
            changed: statistics.quantized > 0 || statistics.awqScaled > 0, statistics: statistics.counters)
    }

    /// Quantizes `jobs` and puts each result into `graph`; a weight that must stay in float is remarked.
    ///
    /// Each input's statistics (a K×K matrix for GPTQ) leave `statistics` as soon as its last layer is quantized.
    func write(
        _ jobs: [WeightOnlyJob], statistics: inout [String: LayerInputStatistics],
        rowScales: [ObjectIdentifier: [Float]], logitLayers: Set<ObjectIdentifier> = [], into graph: Graph,
        counters: inout WeightOnlyStatistics, context: PassContext
    ) throws {
        let writer = LowBitWeightWriter(graph: graph)
        var remainingReaders: [String: Int] = [:]
        for job in jobs { if let input = job.statisticsInput { remainingReaders[input, default: 0] += 1 } }
        for job in jobs {
            let quantized = quantize(
                job, statistics: statistics, rowScales: rowScales,
                producesLogits: job.layers.contains { logitLayers.contains(ObjectIdentifier($0.node)) },
                counters: &counters, context: context)
            if let input = job.statisticsInput {
                remainingReaders[input, default: 1] -= 1
                if remainingReaders[input] == 0 { statistics[input] = nil }
            }
            guard let matrix = quantized else { continue }
            try writer.replace(job, with: matrix)
            counters.quantized += 1
        }
    }

    /// The job's matrix quantized by the pass's method; nil (with a remark) when it must stay in float.
    func quantize(
        _ job: WeightOnlyJob, statistics: [String: LayerInputStatistics], rowScales: [ObjectIdentifier: [Float]],
        producesLogits: Bool = false, counters: inout WeightOnlyStatistics, context: PassContext
    ) -> LowBitMatrix? {
        let layout = job.layout
        let blockSize = settings.rowsPerBlock(layout.rows)
        do {
            if settings.grid.usesMinimum && layout.rows % blockSize != 0 {
                // The minimums are added through a [blocks, block, N] reshape, which needs whole blocks.
                throw QuantizeWeightsError(
                    "zero-point=minval needs whole blocks, and \(layout.rows) rows are not a multiple of \(blockSize)")
            }
            let values = try job.matrix()
            let input = job.statisticsInput.flatMap { statistics[$0] }
            switch settings.method {
            case .gptq:
                if let input, input.rowsSeen > 0, input.channels == layout.rows {
                    let gptq = GPTQ(
                        blockSize: blockSize, grid: settings.grid, actOrder: settings.actOrder, damp: settings.damp,
                        lazyBlock: settings.lazyBlock)
                    counters.gptq += 1
                    return try gptq.quantize(
                        values, rows: layout.rows, columns: layout.columns, hessian: input.gram, tensor: job.weight.name
                    )
                }
                remarkFallback(job, context: context, counters: &counters)
            case .awq:
                let skipsClip = job.layers.contains { settings.skipsClip($0.node.name ?? $0.node.displayName) }
                if settings.clips, !skipsClip, let input, input.rowCount > 0, input.channels == layout.rows {
                    var rows = settings.searchRows(input)
                    if let factors = job.layers.lazy.compactMap({ rowScales[ObjectIdentifier($0.node)] }).first {
                        // The layer now reads x / s: judge clips on the rows it will see.
                        for row in 0..<input.rowCount {
                            for channel in 0..<input.channels {
                                rows[row * input.channels + channel] /= factors[channel]
                            }
                        }
                    }
                    let search = AWQSearch(
                        blockSize: blockSize, grid: settings.grid, scaleGrid: settings.scaleGrid,
                        clipGrid: settings.clipGrid, maxShrink: settings.maxShrink,
                        triesOppositeEnd: settings.clipsBothEnds, clipSweeps: settings.clipSweeps)
                    let clip = try search.clipRatios(
                        rows: rows, rowCount: input.rowCount, weight: values, channels: layout.rows,
                        columns: layout.columns, logits: producesLogits, tensor: job.weight.name)
                    counters.clipped += 1
                    return try LowBitMatrix.roundToNearest(
                        values, rows: layout.rows, columns: layout.columns, blockSize: blockSize, grid: settings.grid,
                        clip: clip, tensor: job.weight.name)
                }
                if settings.clips && !skipsClip { remarkFallback(job, context: context, counters: &counters) }
            case .rtn:
                break
            }
            return try LowBitMatrix.roundToNearest(
                values, rows: layout.rows, columns: layout.columns, blockSize: blockSize, grid: settings.grid,
                tensor: job.weight.name)
        } catch {
            counters.counters["left-in-float", default: 0] += 1
            context.remark("quantize-weights: '\(job.displayName)' keeps its float weight: \(error)")
            return nil
        }
    }

    private func remarkFallback(_ job: WeightOnlyJob, context: PassContext, counters: inout WeightOnlyStatistics) {
        counters.counters["rtn-fallback", default: 0] += 1
        context.remark(
            "quantize-weights: '\(job.displayName)' was quantized by RTN: its input was not measured as float32 "
                + "[rows, \(job.layout.rows)] (a Gather, a Gemm with transA=1, or layers sharing a weight but not an input)"
        )
    }

    /// The eligible layers of `graph`'s main graph, grouped by weight; refusals are remarked and counted.
    func findJobs(in graph: Graph, statistics: inout WeightOnlyStatistics, context: PassContext?) -> [WeightOnlyJob] {
        var layers: [WeightOnlyLayer] = []
        for node in graph.nodes {
            guard let made = WeightOnlyLayer.make(node, opTypes: settings.opTypes, gather: settings.quantizesGather)
            else { continue }
            switch made {
            case .failure(let refusal):
                statistics.counters["refused", default: 0] += 1
                context?.remark("quantize-weights: '\(node.displayName)' keeps its float weight: \(refusal)")
            case .success(let layer):
                if settings.isExcluded(node.name ?? "") || settings.isExcluded(node.displayName) {
                    statistics.counters["excluded", default: 0] += 1
                    continue
                }
                layers.append(layer)
            }
        }
        return WeightOnlyJob.group(layers) { layer, reason in
            statistics.counters["refused", default: 0] += 1
            context?.remark("quantize-weights: '\(layer.node.displayName)' keeps its float weight: \(reason)")
        }
    }

    private func calibrationData(_ context: PassContext) throws -> CalibrationDataSource {
        guard let source = context.calibrationData else {
            throw QuantizeWeightsError(
                "quantize-weights: method=\(settings.method.rawValue) needs calibration samples "
                    + "(--calib-data or --calib-random); method=rtn needs none")
        }
        return source
    }
}

/// The counters `quantize-weights` reports.
struct WeightOnlyStatistics {
    var counters: [String: Int] = [:]
    var quantized: Int {
        get { counters["quantized-weights", default: 0] }
        set { counters["quantized-weights"] = newValue }
    }
    var gptq: Int {
        get { counters["gptq-weights", default: 0] }
        set { counters["gptq-weights"] = newValue }
    }
    var clipped: Int {
        get { counters["clip-searched-weights", default: 0] }
        set { counters["clip-searched-weights"] = newValue }
    }
    var awqScaled: Int {
        get { counters["awq-scaled-inputs", default: 0] }
        set { counters["awq-scaled-inputs"] = newValue }
    }
}
