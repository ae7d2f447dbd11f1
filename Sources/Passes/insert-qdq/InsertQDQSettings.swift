import Foundation
import OnnxIR
import Quantization

/// The resolved options of one `insert-qdq` pass: the target and every choice the user may override.
struct InsertQDQSettings {
    /// The placement profile.
    let target: QuantizationTarget
    /// The activation format.
    let activationFormat: QuantFormat
    /// The weight format (the target's default when `keepsWeightsFloat`, and then unused).
    let weightFormat: QuantFormat
    /// `weights=none`: weights (and so biases) stay float; only activations get pairs.
    let keepsWeightsFloat: Bool
    /// Whether activations are symmetric.
    let symmetricActivations: Bool
    /// Whether weights are per channel (ignored when `blockSize` is set).
    let perChannel: Bool
    /// Whether 8-bit integer weights use ONNX Runtime's reduced (7-bit) range.
    let reduceRange: Bool
    /// Per-block weights with this block size along the reduction axis; nil for none.
    let blockSize: Int?
    /// Nodes whose name matches stay in float.
    let excludedNodes: NSRegularExpression?
    /// The text of that expression, for messages.
    let excludedNodesPattern: String
    /// Op types that stay in float.
    let excludedOpTypes: Set<String>
    /// Whether the two products of a causal (decoder) self-attention are quantized.
    let quantizesCausalAttention: Bool
    /// Per-tensor overrides.
    let config: QuantizationConfig
    /// Where the overrides came from, for messages.
    let configPath: String?
    /// The calibration table to read at run time (a `calibrate` earlier in the pipeline may write it); nil
    /// takes the ranges `calibrate` left in the session.
    let tablePath: String?

    /// Reads and checks the pass options.
    init(options reader: PassOptionReader) throws {
        let targetName = try reader.string("target")
        guard let target = QuantizationTarget.named(targetName) else {
            let names = QuantizationTarget.all.map(\.name).joined(separator: ", ")
            throw InsertQDQError(
                "insert-qdq: unknown target '\(targetName)' (known: \(names); see 'qdqc list-targets')")
        }
        self.target = target
        activationFormat = try Self.format(
            try reader.string("activations"), allowed: target.activationFormats, what: "activations", target: target)
        let weightText = try reader.string("weights")
        keepsWeightsFloat = weightText == "none"
        weightFormat = try Self.format(
            keepsWeightsFloat ? "default" : weightText, allowed: target.weightFormats, what: "weights", target: target)
        let symmetric = try Self.tristate(try reader.string("symmetric-activations"), option: "symmetric-activations")
        symmetricActivations = symmetric ?? (target.symmetricActivationsByDefault || activationFormat.isFloat8)
        if !symmetricActivations && !target.allowsAsymmetricActivations {
            throw InsertQDQError(
                "insert-qdq: target '\(target.name)' needs symmetric activations (zero point 0); "
                    + "drop symmetric-activations=false")
        }
        perChannel =
            try Self.tristate(try reader.string("per-channel"), option: "per-channel") ?? target.perChannelByDefault
        let reduce = try Self.tristate(try reader.string("reduce-range"), option: "reduce-range")
        reduceRange = reduce ?? target.reducesWeightRangeByDefault
        if reduce == true && target.scaleConvention != .onnxRuntime {
            throw InsertQDQError("insert-qdq: reduce-range is an ONNX Runtime option; target '\(target.name)' has none")
        }
        let blockSize = try reader.int("block-size")
        guard blockSize >= 0 else { throw InsertQDQError("insert-qdq: block-size must be 0 (none) or positive") }
        self.blockSize = blockSize > 0 ? blockSize : nil
        excludedNodesPattern = try reader.string("exclude-nodes")
        if excludedNodesPattern.isEmpty {
            excludedNodes = nil
        } else {
            do {
                excludedNodes = try NSRegularExpression(pattern: excludedNodesPattern)
            } catch {
                throw InsertQDQError(
                    "insert-qdq: exclude-nodes '\(excludedNodesPattern)' is not a valid regular expression")
            }
        }
        excludedOpTypes = Set(
            try reader.string("exclude-op-types").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty })
        switch try reader.string("causal-attention") {
        case "float": quantizesCausalAttention = false
        case "quantize": quantizesCausalAttention = true
        case let other:
            throw InsertQDQError("insert-qdq: causal-attention must be float or quantize, not '\(other)'")
        }
        let table = try reader.string("table")
        tablePath = table.isEmpty ? nil : table
        let path = try reader.string("config")
        configPath = path.isEmpty ? nil : path
        config = try configPath.map(QuantizationConfig.read(path:)) ?? QuantizationConfig()
        for (name, entry) in config.tensors {
            if let format = entry.format, !target.activationFormats.contains(format),
                !target.weightFormats.contains(format)
            {
                throw InsertQDQError(
                    "quantization config '\(path)': tensor '\(name)': target '\(target.name)' does not take \(format)")
            }
            if let zeroPoint = entry.zeroPoint, zeroPoint != 0, !target.allowsAsymmetricActivations {
                throw InsertQDQError(
                    "quantization config '\(path)': tensor '\(name)': target '\(target.name)' needs zero point 0")
            }
        }
    }

    /// The default-domain opset the chosen formats, granularity and config formats need at least.
    var requiredOpset: Int {
        let weightGranularity: QuantGranularity
        if let blockSize {
            weightGranularity = .perBlock(axis: 0, blockSize: blockSize)
        } else {
            weightGranularity = perChannel ? .perChannel(axis: 0) : .perTensor
        }
        let configured = config.tensors.values.compactMap(\.format).map { $0.minimumOpset(for: .perTensor) }
        let needs =
            [activationFormat.minimumOpset(for: .perTensor), weightFormat.minimumOpset(for: weightGranularity)]
            + configured
        return needs.max() ?? 1
    }

    /// Why `node` is excluded by the user, or nil.
    func exclusion(of node: Node) -> String? {
        if excludedOpTypes.contains(node.opType) { return "excluded by exclude-op-types (\(node.opType))" }
        if let excludedNodes, let name = node.name {
            let range = NSRange(name.startIndex..., in: name)
            if excludedNodes.firstMatch(in: name, range: range) != nil {
                return "excluded by exclude-nodes '\(excludedNodesPattern)' (node '\(name)')"
            }
        }
        return nil
    }

    private static func format(
        _ text: String, allowed: [QuantFormat], what: String, target: QuantizationTarget
    ) throws -> QuantFormat {
        if text.isEmpty || text == "default" { return allowed[0] }
        guard let format = QuantFormat(rawValue: text) else {
            let names = QuantFormat.qdqFormats.map(\.rawValue).joined(separator: ", ")
            throw InsertQDQError("insert-qdq: \(what) format '\(text)' is unknown (formats: \(names))")
        }
        guard allowed.contains(format) else {
            let names = allowed.map(\.rawValue).joined(separator: ", ")
            throw InsertQDQError(
                "insert-qdq: target '\(target.name)' does not take \(format) \(what) (it takes \(names))")
        }
        return format
    }

    private static func tristate(_ text: String, option: String) throws -> Bool? {
        switch text.lowercased() {
        case "default", "": return nil
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw InsertQDQError("insert-qdq: \(option) must be true, false or default, not '\(text)'")
        }
    }
}
