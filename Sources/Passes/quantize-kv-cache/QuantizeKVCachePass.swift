import Calibration
import Foundation
import OnnxIR
import OnnxInterpreter
import Quantization

/// A quantized KV cache at the graph boundary of a decoder with past: `QuantizeLinear` before each `present`
/// output and `DequantizeLinear` after each `past` input, with one static, calibrated scale (and zero point 0)
/// shared by the pair, so the cache a runtime stores between steps is int8 or FP8 E4M3 (4× less memory than
/// float32) and the present of step t is exactly what step t+1 dequantizes.
///
/// Calibration runs the model the way it is used (`CalibrationRunner.generate`): per sequence a prefill, then
/// one token per step with `present` fed back as `past`; the scale is max|x| over every step's presents,
/// per tensor, per head, or per channel of the keys. The pairs and the scales go into the model's
/// `metadata_props` (`qdqc.kv_cache.*`).
public struct QuantizeKVCachePass: Pass {
    /// `quantize-kv-cache`.
    public static let argument = "quantize-kv-cache"
    /// Does not walk If/Loop/Scan bodies.
    public static let subgraphReach = SubgraphReach.mainGraphOnly
    /// One line for `list-passes`.
    public static let summary =
        "Quantizes a decoder's KV cache at the graph boundary (Q before present.*, DQ after past.*), calibrated by generation."
    /// The options.
    public static let options = [
        PassOption(
            name: "format", valueSyntax: "int8|float8e4m3fn", defaultValue: "int8",
            summary: "The cache's element type; symmetric (zero point 0), scale max|x|/127 or max|x|/448."),
        PassOption(
            name: "granularity", valueSyntax: "tensor|head|channel", defaultValue: "head",
            summary: "One scale per cache tensor, one per head (head-axis), or one per channel of head_dim "
                + "(channel-axis) for keys, values then per head."),
        PassOption(
            name: "pairs", valueSyntax: "<past:present,...>", defaultValue: "",
            summary: "The cache tensors; empty infers them from the names (past_key_values.N.key ↔ present.N.key)."),
        PassOption(
            name: "head-axis", valueSyntax: "<int>", defaultValue: "1",
            summary: "The heads' axis of the cache tensors ([batch, heads, sequence, head_dim])."),
        PassOption(
            name: "sequence-axis", valueSyntax: "<int>", defaultValue: "2",
            summary: "The axis that grows with every step (the present is the past concatenated along it)."),
        PassOption(
            name: "channel-axis", valueSyntax: "<int>", defaultValue: "3",
            summary: "The head_dim axis (granularity=channel)."),
        PassOption(
            name: "prefill", valueSyntax: "half|<int>", defaultValue: "half",
            summary: "Calibration: tokens of each sequence run in the prefill; the rest are decoded one per step."),
    ]

    /// Which cache elements share a scale.
    public enum Granularity: String, CaseIterable, Sendable {
        case tensor
        case head
        case channel
    }

    /// The cache's element type.
    public let format: QuantFormat
    /// Which elements share a scale.
    public let granularity: Granularity
    /// The pairs given by the `pairs` option; nil infers them.
    public let pairText: String?
    let headAxis: Int
    let sequenceAxis: Int
    let channelAxis: Int
    let prefill: Int?

    /// QuantizeLinear of int8 with per-axis scales: 13; of FP8 (the zero point's type): 19.
    public var requiredOpset: Int { format == .float8e4m3fn ? 19 : 13 }

    /// Creates the pass; a bad option value is an error naming it.
    public init(options: [String: String]) throws {
        let reader = try PassOptionReader(options, for: Self.self)
        format = QuantFormat(rawValue: try reader.choice("format", in: ["int8", "float8e4m3fn"])) ?? .int8
        granularity =
            Granularity(rawValue: try reader.choice("granularity", in: Granularity.allCases.map(\.rawValue)))
            ?? .head
        let pairs = try reader.string("pairs")
        pairText = pairs.isEmpty ? nil : pairs
        headAxis = try reader.int("head-axis")
        sequenceAxis = try reader.int("sequence-axis")
        channelAxis = try reader.int("channel-axis")
        let prefillText = try reader.string("prefill")
        if prefillText == "half" {
            prefill = nil
        } else if let count = Int(prefillText), count >= 1 {
            prefill = count
        } else {
            throw PassError.invalidOptionValue(
                pass: Self.argument, option: "prefill", value: prefillText, expected: "half or a positive integer")
        }
        for (name, axis) in [("head-axis", headAxis), ("sequence-axis", sequenceAxis), ("channel-axis", channelAxis)]
        where axis < 1 {
            throw PassError.invalidOptionValue(
                pass: Self.argument, option: name, value: String(axis),
                expected: "an axis after the batch (1 or more)")
        }
        if Set([headAxis, sequenceAxis, channelAxis]).count != 3 {
            throw PassError.invalidOptionValue(
                pass: Self.argument, option: "head-axis", value: String(headAxis),
                expected: "head-axis, sequence-axis and channel-axis all different")
        }
    }

    /// The axis of `pair`'s scale, or nil for one scale per tensor.
    func scaleAxis(for pair: CachePair) -> Int? {
        switch granularity {
        case .tensor: return nil
        case .head: return headAxis
        case .channel: return pair.isKey ? channelAxis : headAxis
        }
    }

    /// Calibrates the cache by generation and puts the Q/DQ pairs at the boundary.
    public func run(on model: Model, context: PassContext) throws -> PassResult {
        let graph = model.graph
        let opset = model.opsetVersion(for: "") ?? 1
        guard opset >= Int64(requiredOpset) else {
            throw KVCacheError(
                "\(Self.argument): a \(format.rawValue) cache needs opset \(requiredOpset) but the model has opset "
                    + "\(opset); add 'upgrade-opset{to=\(requiredOpset)}' before \(Self.argument)")
        }
        let pairs = try pairText.map { try CachePairing.parse($0, graph: graph) } ?? CachePairing.infer(graph: graph)
        var sizes: [Int] = []
        for pair in pairs { sizes.append(try check(pair, in: graph)) }
        guard let source = context.calibrationData else {
            throw KVCacheError(
                "\(Self.argument) calibrates the cache's scales by running the model: give --calib-data PATH "
                    + "(sequences of input_ids) or --calib-random")
        }
        let plan = GenerationPlan(pairs: pairs, prefillLength: prefill, sequenceAxis: sequenceAxis)
        let samples = try CalibrationRunner.generationSamples(model: model, source: source, plan: plan)
        let runner = CalibrationRunner(samples: samples, task: Self.argument, progress: context.progress)
        var maxima = sizes.map { [Float](repeating: 0, count: $0) }
        var steps = 0
        try runner.generate(model: model, plan: plan) { outputs in
            steps += 1
            for (index, pair) in pairs.enumerated() {
                guard let present = outputs[pair.present] else { continue }
                try Self.accumulate(present, axis: scaleAxis(for: pair), into: &maxima[index], name: pair.present)
            }
        }
        let largest = format.float8Codec?.maxFinite ?? 127
        var entries: [String] = []
        var described: [String] = []
        for (index, pair) in pairs.enumerated() {
            let scales = maxima[index].map { $0 > 0 && $0.isFinite ? $0 / largest : 1 }
            let axis = scaleAxis(for: pair)
            try insert(pair, scales: scales, axis: axis, in: graph)
            entries.append(pair.description)
            let list = scales.map { String(format: "%.6g", $0) }.joined(separator: ",")
            described.append(
                "{\"past\":\"\(pair.past)\",\"present\":\"\(pair.present)\",\"axis\":\(axis.map(String.init) ?? "null"),"
                    + "\"scales\":[\(list)]}")
        }
        let metadata = [
            KeyValue("qdqc.kv_cache.format", format.rawValue),
            KeyValue("qdqc.kv_cache.granularity", granularity.rawValue),
            KeyValue(CachePairing.pairsMetadataKey, entries.joined(separator: ",")),
            KeyValue("qdqc.kv_cache.scales", "[" + described.joined(separator: ",") + "]"),
        ]
        let keys = Set(metadata.map(\.key))
        model.metadataProps.removeAll { keys.contains($0.key) }
        model.metadataProps.append(contentsOf: metadata)
        context.remark(
            "\(Self.argument): \(pairs.count) cache tensors to \(format.rawValue) (\(granularity.rawValue) scales), "
                + "calibrated over \(samples.count) sequences, \(steps) steps")
        return PassResult(
            changed: true, statistics: ["cache-tensors": pairs.count, "calibration-steps": steps])
    }

    /// Checks the pair's shapes against the axes; returns the number of scales.
    private func check(_ pair: CachePair, in graph: Graph) throws -> Int {
        guard let past = graph.inputs.first(where: { $0.name == pair.past }),
            let present = graph.outputs.first(where: { $0.name == pair.present })
        else { throw KVCacheError("cache pair '\(pair)' does not name a graph input and a graph output") }
        for value in [past, present] {
            guard let type = value.elementType else {
                throw KVCacheError("cache tensor '\(value.name)' has no declared element type")
            }
            guard type == .float else {
                throw KVCacheError(
                    "cache tensor '\(value.name)' is \(type), not float32"
                        + (type == .int8 || type == .float8e4m3fn ? " (is the cache already quantized?)" : ""))
            }
        }
        guard let pastShape = past.shape else {
            throw KVCacheError("cache input '\(pair.past)' has no declared shape (run infer-shapes first)")
        }
        let rank = pastShape.rank
        for (name, axis) in [("head-axis", headAxis), ("sequence-axis", sequenceAxis), ("channel-axis", channelAxis)]
        where axis >= rank {
            throw KVCacheError(
                "cache input '\(pair.past)' has shape \(pastShape) (rank \(rank)): no axis \(axis) for \(name)")
        }
        if let presentShape = present.shape, presentShape.rank != rank {
            throw KVCacheError(
                "cache output '\(pair.present)' has shape \(presentShape), cache input '\(pair.past)' \(pastShape): "
                    + "ranks differ")
        }
        var count = 1
        if let axis = scaleAxis(for: pair) {
            let option = axis == headAxis ? "head-axis" : "channel-axis"
            let dimension = pastShape.dimensions[axis]
            guard let size = dimension.value, size > 0 else {
                throw KVCacheError(
                    "cache input '\(pair.past)' has shape \(pastShape): axis \(axis) (\(option)) is not a fixed size, "
                        + "so it cannot hold per-\(axis == headAxis ? "head" : "channel") scales")
            }
            if let other = present.shape?.dimensions[axis].value, other != size {
                throw KVCacheError(
                    "cache output '\(pair.present)' has \(other) on axis \(axis) (\(option)), cache input '\(pair.past)' "
                        + "\(size)")
            }
            count = Int(size)
        }
        if let producer = present.producer, producer.opType == "Concat",
            producer.inputs.contains(where: { $0 === past })
        {
            var axis = producer.attribute("axis")?.int ?? 0
            if axis < 0 { axis += Int64(rank) }
            if axis != Int64(sequenceAxis) {
                throw KVCacheError(
                    "cache output '\(pair.present)' concatenates '\(pair.past)' along axis \(axis), but "
                        + "sequence-axis=\(sequenceAxis)")
            }
        }
        return count
    }

    /// Folds max|x| of `array` (per index of `axis`, or over everything) into `maxima`.
    static func accumulate(_ array: NDArray, axis: Int?, into maxima: inout [Float], name: String) throws {
        let values = try array.floatValues()
        guard let axis else {
            var largest = maxima[0]
            for value in values where abs(value) > largest { largest = abs(value) }
            maxima[0] = largest
            return
        }
        guard axis < array.rank, array.shape[axis] == maxima.count else {
            throw KVCacheError(
                "cache output '\(name)' came out with shape \(array.shape), not \(maxima.count) on axis \(axis)")
        }
        let count = maxima.count
        let inner = array.shape[(axis + 1)...].reduce(1, *)
        let outer = array.shape[..<axis].reduce(1, *)
        values.withUnsafeBufferPointer { buffer in
            for o in 0..<outer {
                for c in 0..<count {
                    let base = (o * count + c) * inner
                    var largest = maxima[c]
                    for i in 0..<inner where abs(buffer[base + i]) > largest { largest = abs(buffer[base + i]) }
                    maxima[c] = largest
                }
            }
        }
    }

    /// `past → DequantizeLinear(·, s, 0) → readers` and `producer → QuantizeLinear(·, s, 0) → present`.
    private func insert(_ pair: CachePair, scales: [Float], axis: Int?, in graph: Graph) throws {
        guard let past = graph.inputs.first(where: { $0.name == pair.past }),
            let present = graph.outputs.first(where: { $0.name == pair.present }),
            let pastShape = past.shape
        else { throw KVCacheError("cache pair '\(pair)' does not name a graph input and a graph output") }
        let presentShape = present.shape
        let dims: [Int64] = axis == nil ? [] : [Int64(scales.count)]
        let base = pair.past.replacingOccurrences(of: "past_key_values", with: "kv_cache")
        var rewrite = GraphRewrite()
        let scale = rewrite.addInitializer(
            .floats(scales, dims: dims), name: graph.uniqueName(base + "_scale", avoidingNodeNames: true))
        let zeroPoint = rewrite.addInitializer(
            Tensor(dataType: format.dataType, dims: dims, storage: .raw(Data(count: scales.count))),
            name: graph.uniqueName(base + "_zero_point", avoidingNodeNames: true))
        let attributes = axis.map { [Attribute("axis", .int(Int64($0)))] } ?? []
        let dequantize = Node(
            opType: "DequantizeLinear",
            name: graph.uniqueName(pair.past + "_DequantizeLinear", avoidingNodeNames: true),
            inputs: [past, scale, zeroPoint],
            outputNames: [graph.uniqueName(pair.past + "_dequantized", avoidingNodeNames: true)],
            attributes: attributes)
        guard let dequantized = dequantize.outputs.first ?? nil else {
            throw KVCacheError("could not create the DequantizeLinear of '\(pair.past)'")
        }
        dequantized.type = .tensor(.float, pastShape)
        if let first = graph.nodes.first {
            rewrite.insert(dequantize, before: first)
        } else {
            rewrite.append(dequantize)
        }
        rewrite.replaceAllUses(of: past, with: dequantized, graphOutputs: .leave, except: [dequantize])
        let quantize = Node(
            opType: "QuantizeLinear", name: graph.uniqueName(pair.present + "_QuantizeLinear", avoidingNodeNames: true),
            inputs: [present, scale, zeroPoint],
            outputNames: [graph.uniqueName(pair.present + "_quantized", avoidingNodeNames: true)],
            attributes: attributes)
        guard let quantized = quantize.outputs.first ?? nil else {
            throw KVCacheError("could not create the QuantizeLinear of '\(pair.present)'")
        }
        if let producer = present.producer, producer.graph === graph {
            rewrite.insert(quantize, after: producer)
        } else {
            rewrite.append(quantize)
        }
        try graph.apply(rewrite)
        // The graph output slot moves to the QuantizeLinear, under the output's name; the layers inside the step
        // keep reading the float tensor (the new token's key/value enter this step's attention unquantized).
        let floatName = graph.uniqueName(pair.present + "_float", avoidingNodeNames: true)
        let outputName = present.name
        try graph.rename(present, to: floatName)
        try graph.rename(quantized, to: outputName)
        try graph.setOutputs(graph.outputs.map { $0 === present ? quantized : $0 })
        graph.valueInfo.removeAll { $0 === present }
        present.type = .tensor(.float, presentShape)
        quantized.type = .tensor(format.dataType, presentShape)
        past.type = .tensor(format.dataType, pastShape)
    }
}
