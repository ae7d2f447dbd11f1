import Calibration
import Foundation
import OnnxIR
import Quantization

/// The options of `quantize-weights`, checked: method, grid, block size, which layers, and the
/// settings of GPTQ and AWQ.
struct WeightOnlySettings {
    /// The weight algorithm.
    enum Method: String, CaseIterable {
        /// Round to nearest: no data needed.
        case rtn
        /// Activation-aware scaling and clipping (needs calibration data).
        case awq
        /// Hessian-based error compensation (needs calibration data).
        case gptq
    }

    var method: Method
    /// The format's name (`format=`).
    var format: WeightFormat
    var grid: LowBitGrid
    /// Rows per block along the reduction axis; 0 means one step per output channel.
    var blockSize: Int
    var target: QuantizationTarget
    var excludedNodes: NSRegularExpression?
    var clipSkippedNodes: NSRegularExpression?
    /// Graph outputs holding logits, whose AWQ errors are weighed by their softmax; nil for none.
    var logitOutputs: NSRegularExpression?
    var opTypes: Set<String>
    var quantizesGather: Bool
    var actOrder: Bool
    var damp: Double
    var lazyBlock: Int
    var sequential: Bool
    var scaleGrid: Int
    var clips: Bool
    var duoScaling: Bool
    var balancesRows: Bool
    var maxShrink: Float
    var clipGrid: Int
    var clipsBothEnds: Bool
    var clipSweeps: Int
    var rowLimit: Int

    /// The format's opset needs: int4/uint4 and blocks need 21, per-channel 8-bit 13, float4e2m1 and NVFP4 23,
    /// MX 24, int2/uint2 25.
    var requiredOpset: Int { format.minimumOpset(blocked: blockSize != 0) }

    init(options: [String: String]) throws {
        let reader = try PassOptionReader(options, for: QuantizeWeightsPass.self)
        let pass = QuantizeWeightsPass.argument
        func invalid(_ option: String, _ value: String, _ expected: String) -> PassError {
            .invalidOptionValue(pass: pass, option: option, value: value, expected: expected)
        }
        method = Method(rawValue: try reader.choice("method", in: Method.allCases.map(\.rawValue))) ?? .rtn
        let targetName = try reader.choice("target", in: QuantizationTarget.all.map(\.name))
        target = QuantizationTarget.named(targetName) ?? .tensorRT
        let formatName = try reader.string("format")
        guard let format = WeightFormat(rawValue: formatName) else {
            throw invalid("format", formatName, WeightFormat.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self.format = format
        if !format.isTargetIndependent && !target.weightFormats.contains(format.integerFormat ?? .int4) {
            throw invalid(
                "format", formatName,
                "a weight format target \(target.name) takes: "
                    + target.weightFormats.map(\.rawValue).joined(separator: ", "))
        }
        let zeroPointText = try reader.choice("zero-point", in: ["integer", "minval"])
        let usesMinimum = zeroPointText == "minval"
        let symmetryText = try reader.choice("symmetric", in: ["auto", "true", "false"])
        let ruleText = try reader.choice("scale-rule", in: ["auto"] + LowBitGrid.SymmetricRule.allCases.map(\.rawValue))
        if let fixed = format.fixedGrid {
            if symmetryText == "false" {
                throw invalid("symmetric", symmetryText, "auto or true: \(formatName) scales are symmetric")
            }
            if usesMinimum {
                throw invalid("zero-point", zeroPointText, "integer: the minval form needs an integer format")
            }
            grid = fixed
        } else {
            let integer = format.integerFormat ?? .int4
            let symmetric = usesMinimum ? false : symmetryText == "auto" ? integer.isSigned : symmetryText == "true"
            if usesMinimum && symmetryText == "true" {
                throw invalid("symmetric", symmetryText, "auto or false: zero-point=minval is asymmetric")
            }
            if !symmetric && !target.allowsAsymmetricWeights {
                throw invalid("symmetric", symmetryText, "true: target \(target.name) takes no weight zero points")
            }
            let rule = LowBitGrid.SymmetricRule(rawValue: ruleText) ?? target.lowBitScaleRule
            if rule == .extreme && !target.allowsNegativeWeightScales {
                throw invalid("scale-rule", ruleText, "full or restricted: target \(target.name) needs positive scales")
            }
            grid = try LowBitGrid(format: integer, symmetric: symmetric, rule: rule, usesMinimum: usesMinimum)
        }
        let blockText = try reader.string("block-size")
        if blockText == "auto" {
            blockSize = format.defaultBlockSize
        } else {
            guard let value = Int(blockText), value >= 0 else {
                throw invalid("block-size", blockText, "auto, 0 (per channel) or a positive integer")
            }
            blockSize = value
        }
        if let required = format.requiredBlockSize, blockSize != required {
            throw invalid(
                "block-size", blockText, "\(required) (or auto): \(formatName) blocks are \(required) by definition")
        }
        excludedNodes = try Self.expression(reader, "exclude-nodes")
        clipSkippedNodes = try Self.expression(reader, "clip-skip")
        switch try reader.string("logits") {
        case "auto": logitOutputs = try NSRegularExpression(pattern: "logit", options: .caseInsensitive)
        case "none": logitOutputs = nil
        default: logitOutputs = try Self.expression(reader, "logits")
        }
        let ops = try reader.string("ops").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        guard !ops.isEmpty, ops.allSatisfy({ ["MatMul", "Gemm"].contains($0) }) else {
            throw invalid("ops", ops.joined(separator: ","), "MatMul, Gemm or MatMul,Gemm")
        }
        opTypes = Set(ops)
        quantizesGather = try reader.bool("gather")
        actOrder = try reader.bool("act-order")
        damp = try reader.double("damp")
        guard damp >= 0, damp < 1 else { throw invalid("damp", String(damp), "a fraction in [0, 1)") }
        lazyBlock = try reader.int("lazy-block")
        guard lazyBlock > 0 else { throw invalid("lazy-block", String(lazyBlock), "a positive integer") }
        sequential = try reader.bool("sequential")
        scaleGrid = try reader.int("awq-grid")
        guard scaleGrid > 0 else { throw invalid("awq-grid", String(scaleGrid), "a positive integer") }
        clips = try reader.bool("clip")
        duoScaling = try reader.bool("awq-duo")
        balancesRows = try reader.bool("balance-rows")
        maxShrink = Float(try reader.double("max-shrink"))
        guard maxShrink >= 0, maxShrink < 1 else { throw invalid("max-shrink", String(maxShrink), "a value in [0, 1)") }
        clipsBothEnds = try reader.bool("clip-both-ends")
        clipSweeps = try reader.int("clip-sweeps")
        guard clipSweeps >= 0 else { throw invalid("clip-sweeps", String(clipSweeps), "0 or a positive integer") }
        clipGrid = try reader.int("clip-grid")
        guard clipGrid > 0 else { throw invalid("clip-grid", String(clipGrid), "a positive integer") }
        rowLimit = try reader.int("rows")
        guard rowLimit > 0 else { throw invalid("rows", String(rowLimit), "a positive integer") }
    }

    /// Whether `name` is excluded by `exclude-nodes`.
    func isExcluded(_ name: String) -> Bool { Self.matches(excludedNodes, name) }

    /// Whether AWQ's clip search skips the layer `name` (`clip-skip`).
    func skipsClip(_ name: String) -> Bool { Self.matches(clipSkippedNodes, name) }

    /// The layers whose output is a graph output `logits` selects: AWQ judges them by their effect on the
    /// softmax (`AWQSearch.softmaxWeights`).
    func logitLayers(in graph: Graph) -> Set<ObjectIdentifier> {
        var layers = Set<ObjectIdentifier>()
        for output in graph.outputs where Self.matches(logitOutputs, output.name) {
            if let producer = output.producer { layers.insert(ObjectIdentifier(producer)) }
        }
        return layers
    }

    /// The regular expression an option holds, nil when it is empty.
    private static func expression(_ reader: PassOptionReader, _ option: String) throws -> NSRegularExpression? {
        let pattern = try reader.string(option)
        guard !pattern.isEmpty else { return nil }
        do {
            return try NSRegularExpression(pattern: pattern)
        } catch {
            throw PassError.invalidOptionValue(
                pass: QuantizeWeightsPass.argument, option: option, value: pattern,
                expected: "a valid regular expression")
        }
    }

    private static func matches(_ expression: NSRegularExpression?, _ name: String) -> Bool {
        guard let expression else { return false }
        return expression.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
    }

    /// The AWQ sample rows of `input` as the searches use them (each scaled to unit RMS with `balance-rows`).
    func searchRows(_ input: LayerInputStatistics) -> [Float] {
        balancesRows ? input.rowsOfUnitScale : input.rows
    }

    /// Rows per block for a weight with `rows` input channels.
    func rowsPerBlock(_ rows: Int) -> Int { blockSize == 0 ? rows : blockSize }
}
