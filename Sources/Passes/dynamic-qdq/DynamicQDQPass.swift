import Foundation
import OnnxIR
import Quantization

/// Dynamic activation quantization in standard ops: the activation input of every MatMul/Gemm layer (a
/// constant weight, or one a DequantizeLinear reads) gets a QuantizeLinear/DequantizeLinear pair whose scale
/// the graph computes at run time from the tensor itself: per token (one scale per row, `max|x|/qmax` over
/// the last axis, a blocked pair with `block_size` = the row length), per tensor, or per block of the last axis
/// in the MX formats (float8e8m0 power-of-two scales per 32) and NVFP4 (FP8 scales per 16 under a tensor
/// scale). No calibration needed.
///
/// Enters no subgraph: layers inside If/Loop/Scan bodies keep float activations.
public struct DynamicQDQPass: Pass {
    /// `dynamic-qdq`.
    public static let argument = "dynamic-qdq"
    /// Does not walk If/Loop/Scan bodies.
    public static let subgraphReach = SubgraphReach.mainGraphOnly
    /// One line for `list-passes`.
    public static let summary =
        "Dynamic activation quantization of MatMul/Gemm inputs (per token, tensor or block), scales computed in the graph."
    /// The options.
    public static let options = [
        PassOption(
            name: "granularity", valueSyntax: "token|tensor|block", defaultValue: "token",
            summary: "One scale per row of the last axis (token), one per tensor, or one per 32 elements of the last "
                + "axis (block: the MX formats, and 16 for nvfp4)."),
        PassOption(
            name: "format", valueSyntax: "int8|uint8|float8e4m3fn|mxfp8e4m3|mxfp8e5m2|mxfp4|mxint8|nvfp4",
            defaultValue: "int8",
            summary: "int8 and float8e4m3fn are symmetric (max|x|/qmax); uint8 (per tensor only) is "
                + "DynamicQuantizeLinear's asymmetric range; the MX formats (granularity=block) take a "
                + "power-of-two float8e8m0 scale per block of 32, nvfp4 an FP8 scale per 16 under a tensor scale."),
        PassOption(
            name: "ops", valueSyntax: "MatMul,Gemm", defaultValue: "MatMul,Gemm", summary: "Which op types."),
        PassOption(
            name: "exclude-nodes", valueSyntax: "<regex>", defaultValue: "",
            summary: "Layers whose node name matches keep a float input."),
    ]

    /// Which elements share a scale: a row of the last axis, the whole tensor, or a block of the last axis.
    enum Granularity: String, CaseIterable {
        case token
        case tensor
        case block
    }

    /// The block of the MX formats (OCP Microscaling).
    static let mxBlockSize = 32

    let granularity: Granularity
    let format: QuantFormat
    /// The MX grid (element type, shared-exponent rule) when `format` names an MX format.
    let microscaling: LowBitGrid?
    /// Whether `format` is NVFP4: E2M1 values in blocks of 16, FP8 E4M3 block scales under a float32 tensor scale.
    let nvfp4: Bool

    /// Elements per scale of the block formats: 16 for NVFP4, 32 for MX.
    var blockSize: Int { nvfp4 ? 16 : Self.mxBlockSize }

    let opTypes: Set<String>
    let excludedNodes: NSRegularExpression?

    /// The opset the pass needs: `output_dtype` and `block_size` of QuantizeLinear (21); uint8 per tensor
    /// (DynamicQuantizeLinear) 11; float4e2m1 values (NVFP4) 23; float8e8m0 scales (MX) 24.
    public var requiredOpset: Int { microscaling != nil ? 24 : nvfp4 ? 23 : format == .uint8 ? 11 : 21 }

    /// Creates the pass; a bad option value is an error naming it.
    public init(options: [String: String]) throws {
        let reader = try PassOptionReader(options, for: Self.self)
        func invalid(_ option: String, _ value: String, _ expected: String) -> PassError {
            .invalidOptionValue(pass: Self.argument, option: option, value: value, expected: expected)
        }
        granularity =
            Granularity(rawValue: try reader.choice("granularity", in: Granularity.allCases.map(\.rawValue)))
            ?? .token
        let mxNames = [WeightFormat.mxfp8e4m3, .mxfp8e5m2, .mxfp4, .mxint8].map(\.rawValue)
        let formatName = try reader.choice("format", in: ["int8", "uint8", "float8e4m3fn"] + mxNames + ["nvfp4"])
        microscaling = WeightFormat(rawValue: formatName).flatMap { mxNames.contains($0.rawValue) ? $0.fixedGrid : nil }
        nvfp4 = formatName == WeightFormat.nvfp4.rawValue
        format = nvfp4 ? .float4e2m1 : microscaling?.format ?? QuantFormat(rawValue: formatName) ?? .int8
        if (microscaling != nil || nvfp4) != (granularity == .block) {
            let blockFormat = microscaling != nil || nvfp4
            throw invalid(
                blockFormat ? "format" : "granularity", blockFormat ? formatName : "block",
                "the block formats (mxfp8e4m3, mxfp8e5m2, mxfp4, mxint8, nvfp4) with granularity=block, and only them")
        }
        if format == .uint8 && granularity == .token {
            throw invalid(
                "format", formatName,
                "int8 or float8e4m3fn with granularity=token (a uint8 zero point per row cannot be computed "
                    + "by QuantizeLinear; uint8 is per tensor, DynamicQuantizeLinear)")
        }
        let ops = try reader.string("ops").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !ops.isEmpty, ops.allSatisfy({ ["MatMul", "Gemm"].contains($0) }) else {
            throw invalid("ops", ops.joined(separator: ","), "MatMul, Gemm or MatMul,Gemm")
        }
        opTypes = Set(ops)
        let pattern = try reader.string("exclude-nodes")
        if pattern.isEmpty {
            excludedNodes = nil
        } else {
            do {
                excludedNodes = try NSRegularExpression(pattern: pattern)
            } catch {
                throw invalid("exclude-nodes", pattern, "a valid regular expression")
            }
        }
    }

    /// Puts a dynamic pair on each layer input of the main graph.
    public func run(on model: Model, context: PassContext) throws -> PassResult {
        let opset = model.opsetVersion(for: "") ?? 1
        guard opset >= Int64(requiredOpset) else {
            throw DynamicQDQError(
                "dynamic-qdq: \(format.rawValue) dynamic quantization needs opset \(requiredOpset) but the model has "
                    + "opset \(opset); add 'upgrade-opset{to=\(requiredOpset)}' before dynamic-qdq in the pipeline")
        }
        let graph = model.graph
        var inputs: [Value] = []
        var readers: [ObjectIdentifier: [(node: Node, index: Int)]] = [:]
        var counters = ["quantized-inputs": 0, "layers": 0, "excluded": 0, "skipped": 0]
        for node in graph.nodes where isLayer(node) {
            guard let input = node.inputs[0] else { continue }
            let name = node.name ?? node.displayName
            if let excludedNodes,
                excludedNodes.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
            {
                counters["excluded", default: 0] += 1
                continue
            }
            if let reason = unquantizable(input) {
                counters["skipped", default: 0] += 1
                context.remark("dynamic-qdq: '\(node.displayName)' keeps a float input '\(input.name)': \(reason)")
                continue
            }
            if readers[ObjectIdentifier(input)] == nil { inputs.append(input) }
            readers[ObjectIdentifier(input), default: []].append((node, 0))
            counters["layers", default: 0] += 1
        }
        for input in inputs {
            try insertPair(on: input, readers: readers[ObjectIdentifier(input)] ?? [], in: graph)
            counters["quantized-inputs", default: 0] += 1
        }
        return PassResult(changed: !inputs.isEmpty, statistics: counters)
    }

    /// A MatMul or Gemm (`transA=0`) of the default domain whose right operand is a constant or a
    /// DequantizeLinear of one, and whose left operand is not.
    private func isLayer(_ node: Node) -> Bool {
        guard OpsetImport.isDefaultDomain(node.domain), opTypes.contains(node.opType), node.inputs.count >= 2,
            let input = node.inputs[0], let weight = node.inputs[1], !ConstantData.isConstant(input)
        else { return false }
        if node.opType == "Gemm", node.attribute("transA")?.int ?? 0 != 0 { return false }
        if ConstantData.isConstant(weight) { return true }
        guard let producer = weight.producer, producer.opType == "DequantizeLinear",
            let data = producer.inputs.first ?? nil
        else { return false }
        return ConstantData.isConstant(data)
    }

    /// Why `input` cannot take a pair, or nil.
    private func unquantizable(_ input: Value) -> String? {
        if let type = input.elementType, type != .float { return "it is \(type), not float32" }
        if input.producer?.opType == "DequantizeLinear" { return "it is already dequantized" }
        guard granularity != .tensor else { return nil }
        guard let last = input.shape?.dimensions.last, case .known(let size) = last.kind, size > 0 else {
            return "per-\(granularity) scales need the last dimension known; run infer-shapes first"
        }
        return nil
    }

    /// `x → Q(x, s) → DQ(·, s)` with `s` computed from `x`, read by `readers`.
    private func insertPair(on value: Value, readers: [(node: Node, index: Int)], in graph: Graph) throws {
        let base = value.name
        var rewrite = GraphRewrite()
        var nodes: [Node] = []
        func add(
            _ opType: String, _ inputs: [Value?], _ suffix: String, _ attributes: [Attribute] = [], outputs: Int = 1
        )
            -> [Value]
        {
            let names = (0..<outputs).map {
                graph.uniqueName(base + suffix + (outputs > 1 ? "_\($0)" : ""), avoidingNodeNames: true)
            }
            let node = Node(
                opType: opType, name: graph.uniqueName(base + suffix + "_" + opType, avoidingNodeNames: true),
                inputs: inputs, outputNames: names, attributes: attributes)
            nodes.append(node)
            return node.outputs.compactMap { $0 }
        }
        let quantized: Value
        let dequantizeInputs: [Value]
        var pairAttributes: [Attribute] = []
        var dequantizeAttributes: [Attribute] = []
        if format == .uint8 {
            let outputs = add("DynamicQuantizeLinear", [value], "_dynamic", outputs: 3)
            quantized = outputs[0]
            dequantizeInputs = [outputs[1], outputs[2]]
        } else if granularity == .block, let rank = value.shape?.rank {
            let magnitude = add("Abs", [value], "_abs")[0]
            var padded = magnitude
            if let last = value.shape?.dimensions.last, case .known(let size) = last.kind,
                size % Int64(blockSize) != 0
            {
                // A last block shorter than the others (ONNX allows it): zeros pad it for the maximum, not the values.
                let padding = Int64(blockSize) - size % Int64(blockSize)
                let pads = rewrite.addInitializer(
                    .int64s([Int64](repeating: 0, count: 2 * rank - 1) + [padding], dims: [Int64(2 * rank)]),
                    name: graph.uniqueName(base + "_block_padding", avoidingNodeNames: true))
                padded = add("Pad", [magnitude, pads], "_padded")[0]
            }
            let blocked = rewrite.addInitializer(
                .int64s([Int64](repeating: 0, count: rank - 1) + [-1, Int64(blockSize)], dims: [Int64(rank + 1)]),
                name: graph.uniqueName(base + "_block_shape", avoidingNodeNames: true))
            let blocks = add("Reshape", [padded, blocked], "_blocks")[0]
            let axes = rewrite.addInitializer(
                .int64s([-1], dims: [1]), name: graph.uniqueName(base + "_last_axis", avoidingNodeNames: true))
            let maximum = add("ReduceMax", [blocks, axes], "_absmax", [Attribute("keepdims", .int(0))])[0]
            let floor = rewrite.addInitializer(
                .floats([Float.leastNormalMagnitude], dims: []),
                name: graph.uniqueName(base + "_smallest", avoidingNodeNames: true))
            func constant(_ value: Float, _ suffix: String) -> Value {
                rewrite.addInitializer(
                    .floats([value], dims: []), name: graph.uniqueName(base + suffix, avoidingNodeNames: true))
            }
            let scale: Value
            if nvfp4 {
                // NVFP4 (ModelOpt's rule): tensor scale amax/(6·448); each block's scale (amax_block/6) stored
                // as FP8 E4M3 relative to it, read back through DequantizeLinear; a block of zeros gets the
                // smallest normal scale instead of 0, which QuantizeLinear would divide by.
                let tensorMaximum = add("ReduceMax", [magnitude], "_tensor_absmax", [Attribute("keepdims", .int(0))])[0]
                let tensorRaw = add("Div", [tensorMaximum, constant(6 * 448, "_fp4_fp8_range")], "_raw_tensor_scale")[0]
                let tensorScale = add("Max", [tensorRaw, floor], "_tensor_scale")[0]
                let blockRaw = add("Div", [maximum, constant(6, "_fp4_range")], "_raw_block_scale")[0]
                let codes = add(
                    "QuantizeLinear", [blockRaw, tensorScale], "_block_scale_fp8",
                    [Attribute("output_dtype", .int(Int64(DataType.float8e4m3fn.rawValue)))])[0]
                let blockScale = add("DequantizeLinear", [codes, tensorScale], "_block_scale")[0]
                scale = add("Max", [blockScale, floor], "_scale")[0]
            } else if let microscaling,
                case .powerOfTwo(let elementMaxExponent, let elementShift) = microscaling.scaleEncoding
            {
                // OCP MX: scale = 2^(floor(log2 max|x_block|) − emax), stored as float8e8m0. Dividing by 2^emax is
                // exact, and Cast to float8e8m0 with round_mode=down takes the floor of the exponent.
                // A block of zeros has no exponent; any scale quantizes it to zeros.
                let positive = add("Max", [maximum, floor], "_positive_absmax")[0]
                let power = constant(
                    Float(sign: .plus, exponent: elementMaxExponent + elementShift, significand: 1), "_element_range")
                let ratio = add("Div", [positive, power], "_raw_scale")[0]
                scale =
                    add(
                        "Cast", [ratio], "_scale",
                        [
                            Attribute("to", .int(Int64(DataType.float8e8m0.rawValue))),
                            Attribute("round_mode", .string(Array("down".utf8))),
                        ])[0]
                dequantizeAttributes = [Attribute("output_dtype", .int(Int64(DataType.float.rawValue)))]
            } else {
                throw DynamicQDQError("dynamic-qdq: \(format.rawValue) has no block scale rule")
            }
            pairAttributes = [Attribute("axis", .int(-1)), Attribute("block_size", .int(Int64(blockSize)))]
            quantized =
                add(
                    "QuantizeLinear", [value, scale], "_quantized",
                    pairAttributes + [Attribute("output_dtype", .int(Int64(format.dataType.rawValue)))])[0]
            dequantizeInputs = [scale]
        } else {
            let largest = format.float8Codec?.maxFinite ?? Float(format.integerRange(.restricted)?.upperBound ?? 127)
            let magnitude = add("Abs", [value], "_abs")[0]
            let maximum: Value
            if granularity == .token, let last = value.shape?.dimensions.last, case .known(let size) = last.kind {
                let axes = rewrite.addInitializer(
                    .int64s([-1], dims: [1]), name: graph.uniqueName(base + "_last_axis", avoidingNodeNames: true))
                maximum = add("ReduceMax", [magnitude, axes], "_absmax", [Attribute("keepdims", .int(1))])[0]
                pairAttributes = [Attribute("axis", .int(-1)), Attribute("block_size", .int(size))]
            } else {
                maximum = add("ReduceMax", [magnitude], "_absmax", [Attribute("keepdims", .int(0))])[0]
            }
            let divisor = rewrite.addInitializer(
                .floats([largest], dims: []), name: graph.uniqueName(base + "_qmax", avoidingNodeNames: true))
            // A row of zeros would give scale 0, which QuantizeLinear divides by.
            let floor = rewrite.addInitializer(
                .floats([Float.leastNormalMagnitude], dims: []),
                name: graph.uniqueName(base + "_smallest_scale", avoidingNodeNames: true))
            let raw = add("Div", [maximum, divisor], "_raw_scale")[0]
            let scale = add("Max", [raw, floor], "_scale")[0]
            quantized =
                add(
                    "QuantizeLinear", [value, scale], "_quantized",
                    pairAttributes + [Attribute("output_dtype", .int(Int64(format.dataType.rawValue)))])[0]
            dequantizeInputs = [scale]
        }
        quantized.type = .tensor(format.dataType, value.shape)
        let dequantized = add(
            "DequantizeLinear", [quantized] + dequantizeInputs, "_dequantized", pairAttributes + dequantizeAttributes)[
                0]
        dequantized.type = .tensor(.float, value.shape)
        var anchor: Node?
        if let producer = value.producer, producer.graph === graph { anchor = producer }
        for node in nodes {
            if let previous = anchor {
                rewrite.insert(node, after: previous)
            } else if let first = graph.nodes.first {
                rewrite.insert(node, before: first)
            } else {
                rewrite.append(node)
            }
            anchor = node
        }
        for reader in readers { rewrite.redirect(reader.node, input: reader.index, to: dequantized) }
        try graph.apply(rewrite)
    }
}

/// A model `dynamic-qdq` cannot work on; the message names the pass and what to do.
struct DynamicQDQError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
