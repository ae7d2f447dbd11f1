import ArgumentParser
import Calibration
import Passes
import Quantization

/// The quantization flags: target engine, formats, granularity, exclusions and the per-tensor config file.
///
/// They become options of the pipeline's `insert-qdq` (and `cleanup-qdq`) elements; an option written in
/// `--passes` text wins over the flag.
struct QuantizationOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The engine the quantized model is for: "
                + QuantizationTarget.all.map(\.name).joined(separator: ", ")
                + " (default \(QuantizationTarget.defaultName)); see 'qdqc list-targets'.",
            valueName: "target"))
    var target: String?

    @Flag(
        help: ArgumentHelp(
            "For a model that already holds Q/DQ pairs: drop their scales (and accept inconsistent pairs), so "
                + "calibration decides every scale (the import-qdq pass's requantize option)."))
    var requantize = false

    @Option(
        help: ArgumentHelp(
            "Activation format: int8, uint8, int16, uint16 or float8e4m3fn (default: the target's); "
                + "none keeps activations in float (weight-only quantization, the quantize-weights pass).",
            valueName: "format"))
    var activations: String?

    @Option(
        name: .customLong("activation-scales"),
        help: ArgumentHelp(
            "static (calibrated, the default), dynamic-per-tensor or dynamic-per-token (computed in the graph at "
                + "run time for each MatMul/Gemm input: the dynamic-qdq pass; no calibration needed).",
            valueName: "mode"))
    var activationScales: String?

    @Option(
        help: ArgumentHelp(
            "Weight format: int8, uint8, int16, uint16, int4, uint4 or float8e4m3fn (default: the target's); "
                + "with --activations none also int2, uint2, float4e2m1, nvfp4, mxfp4, mxfp8e4m3, mxfp8e5m2, mxint8 "
                + "(docs/quantization-formats.md).",
            valueName: "format"))
    var weights: String?

    @Option(
        name: .customLong("weight-zero-point"),
        help: ArgumentHelp(
            "Weight-only, asymmetric integer weights: integer (a zero point per block) or minval (a float minimum "
                + "per block, DequantizeLinear then a blocked Add); needs --activations none.",
            valueName: "integer|minval"))
    var weightZeroPoint: String?

    @Option(
        name: .customLong("weight-method"),
        help: ArgumentHelp(
            "How weights are rounded: rtn (no data), awq, gptq or gptaq (need --calib-data). Weight-only "
                + "(--activations none): rtn, awq, gptq; static activations (W8A8, int8/uint8 weights): rtn, gptq, "
                + "or gptaq (GPTQ for the quantized layer input, matching the float layer's output, with the bias "
                + "corrected).",
            valueName: "method"))
    var weightMethod: String?

    @Flag(help: "Weight-only: symmetric (--symmetric-weights) or asymmetric (--asymmetric-weights) weight grids.")
    var weightSymmetry: WeightSymmetryFlag?

    @Flag(
        exclusivity: .exclusive,
        help: "Per-channel weight scales (--per-channel) or one scale per weight (--per-tensor).")
    var granularity: WeightGranularityFlag?

    @Option(
        name: .customLong("block-size"),
        help: ArgumentHelp(
            "Per-block weight scales with this many elements per block along the reduction axis (opset 21).",
            valueName: "n"))
    var blockSize: Int?

    @Flag(help: "Symmetric (--symmetric-activations) or asymmetric (--asymmetric-activations) activation ranges.")
    var activationSymmetry: ActivationSymmetryFlag?

    @Option(
        name: .customLong("exclude-nodes"),
        help: ArgumentHelp("Leave in float the nodes whose name this regular expression matches.", valueName: "regex"))
    var excludeNodes: String?

    @Option(
        name: .customLong("exclude-op-types"),
        help: ArgumentHelp("Leave in float these op types, comma-separated (e.g. Softmax,Add).", valueName: "ops"))
    var excludeOpTypes: String?

    @Option(
        name: .customLong("causal-attention"),
        help: ArgumentHelp(
            "The products Q·Kᵀ and P·V of a decoder's causal self-attention: float (default; what decoder engines "
                + "run them in) or quantize.",
            valueName: "float|quantize"))
    var causalAttention: String?

    @Option(
        name: .customLong("quant-config"),
        help: ArgumentHelp(
            "Per-tensor overrides of format, range or scale (schemas/quantization-config.schema.json).",
            valueName: "file.json"))
    var quantConfig: String?

    /// Whether activations stay in float: `--activations none` (weight-only quantization).
    var isWeightOnly: Bool { activations == Self.noActivations }

    /// Whether `quantize-weights` writes the weights (weight-only and dynamic runs), so that every weight format
    /// it knows (NVFP4, MX, int2, ...) may be named.
    var writesWeightsByQuantizeWeights: Bool { (isWeightOnly || isDynamic) && !keepsFloat }

    /// `--weights none --activations none`: nothing but the KV cache (`--kv-cache`) is quantized.
    var keepsFloat: Bool { weights == Self.noActivations && isWeightOnly }

    /// Whether activation scales are computed at run time: `--activation-scales dynamic-*`.
    var isDynamic: Bool { activationScales?.hasPrefix("dynamic-") ?? false }

    /// The `--activation-scales` values.
    static let activationScaleModes = ["static", "dynamic-per-tensor", "dynamic-per-token", "dynamic-per-block"]

    /// The `--activations` formats of `--activation-scales dynamic-per-block` (OCP Microscaling in blocks of 32, NVFP4 in 16).
    static let blockActivationFormats = ["mxfp8e4m3", "mxfp8e5m2", "mxfp4", "mxint8", "nvfp4"]

    /// The `--activations` value that keeps activations in float.
    static let noActivations = "none"

    mutating func validate() throws {
        if weights == Self.noActivations {
            let weightFlags = [
                ("--weight-method", weightMethod != nil), ("--block-size", blockSize != nil),
                ("--weight-zero-point", weightZeroPoint != nil),
                ("--symmetric-weights/--asymmetric-weights", weightSymmetry != nil),
                ("--per-channel/--per-tensor", granularity != nil), ("--target", target != nil && isWeightOnly),
            ]
            if let flag = weightFlags.first(where: \.1)?.0 {
                throw ValidationError("\(flag) does not apply to --weights none")
            }
            // Float weights with quantized activations go on through the activation checks.
            if isWeightOnly { return }
        }
        if let weightMethod, !["rtn", "awq", "gptq", "gptaq"].contains(weightMethod) {
            throw ValidationError("--weight-method '\(weightMethod)' is unknown (known: rtn, awq, gptq, gptaq)")
        }
        if weightMethod == "gptaq", isWeightOnly || isDynamic {
            throw ValidationError(
                "--weight-method gptaq rounds weights for the statically quantized layer input: it needs static "
                    + "activations (not --activations none or dynamic --activation-scales)")
        }
        if let activationScales, !Self.activationScaleModes.contains(activationScales) {
            throw ValidationError(
                "--activation-scales '\(activationScales)' is unknown (known: "
                    + Self.activationScaleModes.joined(separator: ", ") + ")")
        }
        if isDynamic {
            if isWeightOnly { throw ValidationError("--activation-scales \(activationScales ?? "") needs activations") }
            if activationScales == "dynamic-per-block" {
                guard let activations, Self.blockActivationFormats.contains(activations) else {
                    throw ValidationError(
                        "--activation-scales dynamic-per-block needs --activations "
                            + Self.blockActivationFormats.joined(separator: "|")
                            + " (MX in blocks of 32, NVFP4 in blocks of 16)")
                }
            } else if let activations, !["int8", "uint8", "float8e4m3fn"].contains(activations) {
                throw ValidationError(
                    "--activations \(activations) cannot be quantized dynamically per token or per tensor "
                        + "(int8, uint8 per tensor, float8e4m3fn; the MX formats with dynamic-per-block)")
            }
            if activations == "uint8" && activationScales == "dynamic-per-token" {
                throw ValidationError(
                    "--activations uint8 is per tensor only (DynamicQuantizeLinear): use int8 with dynamic-per-token")
            }
            let unsupported = [
                ("--symmetric-activations/--asymmetric-activations", activationSymmetry != nil),
                ("--quant-config", quantConfig != nil), ("--exclude-op-types", excludeOpTypes != nil),
                ("--per-tensor", granularity == .perTensor), ("--causal-attention", causalAttention != nil),
            ]
            if let flag = unsupported.first(where: \.1)?.0 {
                throw ValidationError("\(flag) does not apply to dynamic activation scales")
            }
        } else if !isWeightOnly {
            if let weightMethod, weightMethod == "awq" {
                throw ValidationError(
                    "--weight-method awq needs --activations none; with static activations use rtn or gptq")
            }
            if let weightMethod, ["gptq", "gptaq"].contains(weightMethod), let weights,
                !["int8", "uint8"].contains(weights)
            {
                throw ValidationError(
                    "--weight-method \(weightMethod) with static activations rounds int8 or uint8 weights, not "
                        + "--weights \(weights)")
            }
            if weightSymmetry != nil {
                throw ValidationError("--symmetric-weights/--asymmetric-weights need --activations none")
            }
            if weightZeroPoint != nil { throw ValidationError("--weight-zero-point needs --activations none") }
        } else {
            let unsupported = [
                ("--per-tensor", granularity == .perTensor),
                ("--symmetric-activations/--asymmetric-activations", activationSymmetry != nil),
                ("--quant-config", quantConfig != nil), ("--exclude-op-types", excludeOpTypes != nil),
                ("--causal-attention", causalAttention != nil),
            ]
            if let flag = unsupported.first(where: \.1)?.0 {
                throw ValidationError("\(flag) does not apply to weight-only quantization (--activations none)")
            }
        }
        if let target, QuantizationTarget.named(target) == nil {
            let names = QuantizationTarget.all.map(\.name).joined(separator: ", ")
            throw ValidationError("--target '\(target)' is unknown (known: \(names))")
        }
        if let weightZeroPoint, !["integer", "minval"].contains(weightZeroPoint) {
            throw ValidationError("--weight-zero-point '\(weightZeroPoint)' is unknown (known: integer, minval)")
        }
        for (flag, value) in [("--activations", activations), ("--weights", weights)] {
            if flag == "--activations", isDynamic, let value, Self.blockActivationFormats.contains(value) { continue }
            if flag == "--weights", value == Self.noActivations { continue }
            if flag == "--weights", writesWeightsByQuantizeWeights, let value, WeightFormat(rawValue: value) == nil {
                let names = WeightFormat.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("--weights '\(value)' is not a weight-only format (formats: \(names))")
            }
            if let value, QuantFormat(rawValue: value) == nil,
                !(flag == "--activations" && value == Self.noActivations),
                !(flag == "--weights" && writesWeightsByQuantizeWeights)
            {
                let names = QuantFormat.qdqFormats.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("\(flag) '\(value)' is not a format (formats: \(names))")
            }
        }
        if let causalAttention, !["float", "quantize"].contains(causalAttention) {
            throw ValidationError("--causal-attention '\(causalAttention)' is unknown (float or quantize)")
        }
        if let blockSize, blockSize < 1 { throw ValidationError("--block-size must be at least 1") }
        if blockSize != nil, granularity == .perTensor {
            throw ValidationError("--block-size and --per-tensor exclude each other")
        }
    }

    /// The `insert-qdq` options the flags set.
    var insertOptions: [(String, String)] {
        var settings: [(String, String)] = []
        if let target { settings.append(("target", target)) }
        if let activations { settings.append(("activations", activations)) }
        if let weights { settings.append(("weights", weights)) }
        if let granularity { settings.append(("per-channel", granularity == .perChannel ? "true" : "false")) }
        if let blockSize { settings.append(("block-size", String(blockSize))) }
        if let activationSymmetry {
            settings.append(("symmetric-activations", activationSymmetry == .symmetricActivations ? "true" : "false"))
        }
        if let excludeNodes { settings.append(("exclude-nodes", excludeNodes)) }
        if let excludeOpTypes { settings.append(("exclude-op-types", excludeOpTypes)) }
        if let causalAttention { settings.append(("causal-attention", causalAttention)) }
        if let quantConfig { settings.append(("config", quantConfig)) }
        return settings
    }

    /// The `quantize-weights` options the flags set (weight-only runs).
    var weightOnlyOptions: [(String, String)] {
        var settings: [(String, String)] = []
        if let weightMethod { settings.append(("method", weightMethod)) }
        if let target { settings.append(("target", target)) }
        if let weights { settings.append(("format", weights)) }
        if let blockSize { settings.append(("block-size", String(blockSize))) }
        if granularity == .perChannel, blockSize == nil { settings.append(("block-size", "0")) }
        if let weightSymmetry { settings.append(("symmetric", weightSymmetry == .symmetricWeights ? "true" : "false")) }
        if let weightZeroPoint { settings.append(("zero-point", weightZeroPoint)) }
        if let excludeNodes { settings.append(("exclude-nodes", excludeNodes)) }
        return settings
    }

    /// The `dynamic-qdq` options the flags set.
    var dynamicOptions: [(String, String)] {
        let granularity = ["dynamic-per-tensor": "tensor", "dynamic-per-block": "block"][activationScales ?? ""]
        var settings = [("granularity", granularity ?? "token")]
        if let activations { settings.append(("format", activations)) }
        if let excludeNodes { settings.append(("exclude-nodes", excludeNodes)) }
        return settings
    }

    /// Sets the flags as options of the pipeline's `insert-qdq` elements (and `--target` on `cleanup-qdq`), or,
    /// with `--activations none` or `--activation-scales dynamic-*`, of its `quantize-weights` (and
    /// `dynamic-qdq`) elements.
    ///
    /// The opset the formats need is the passes' business (`Pipeline.raiseOpsetForInsertQDQ`).
    func apply(to pipeline: inout Pipeline) throws {
        if requantize {
            guard pipeline.contains(pass: ImportQDQPass.argument) else {
                throw ValidationError("--requantize needs an import-qdq pass in the pipeline (the default has one)")
            }
            pipeline.setOption("requantize", to: "true", forPass: ImportQDQPass.argument)
        }
        if keepsFloat { return }
        if writesWeightsByQuantizeWeights {
            let (flag, pass) =
                isDynamic
                ? ("--activation-scales dynamic-*", DynamicQDQPass.argument)
                : ("--activations none", QuantizeWeightsPass.argument)
            guard pipeline.contains(pass: pass), !pipeline.contains(pass: InsertQDQPass.argument) else {
                throw ValidationError(
                    "\(flag) needs a pipeline with \(pass) and without insert-qdq (the default without --passes)")
            }
            if weights == Self.noActivations {
                // Dynamic activations over float weights: nothing for quantize-weights to do.
                pipeline.elements.removeAll { $0.passArgument == QuantizeWeightsPass.argument }
            } else {
                for (key, value) in weightOnlyOptions {
                    pipeline.setOption(key, to: value, forPass: QuantizeWeightsPass.argument)
                }
            }
            if isDynamic {
                for (key, value) in dynamicOptions {
                    pipeline.setOption(key, to: value, forPass: DynamicQDQPass.argument)
                }
            }
            return
        }
        let settings = insertOptions
        guard !settings.isEmpty else { return }
        guard pipeline.contains(pass: InsertQDQPass.argument) else {
            throw ValidationError(
                "--target, --activations, --weights, --per-channel/--per-tensor, --block-size, --exclude-nodes, "
                    + "--exclude-op-types and --quant-config need an insert-qdq pass in the pipeline")
        }
        for (key, value) in settings { pipeline.setOption(key, to: value, forPass: InsertQDQPass.argument) }
        if let target { pipeline.setOption("target", to: target, forPass: CleanupQDQPass.argument) }
    }

    /// With `calibrate{method=auto}`, scores the candidate ranges in the scheme `insert-qdq` will quantize
    /// activations with (the target's activation format and symmetry, or the flags'), unless the calibrate
    /// element already names a `format` or `symmetric` (`--calib-option` wins).
    func applyAutoCalibrationScheme(to pipeline: inout Pipeline) {
        guard !isWeightOnly, !isDynamic,
            pipeline.elements.contains(where: {
                $0.passArgument == CalibratePass.argument
                    && $0.options.contains { $0.key == "method" && $0.value == CalibrationMethod.auto.rawValue }
            }),
            let target = QuantizationTarget.named(target ?? QuantizationTarget.defaultName)
        else { return }
        let format = activations ?? target.defaultActivationFormat.rawValue
        let symmetric = activationSymmetry.map { $0 == .symmetricActivations } ?? target.symmetricActivationsByDefault
        pipeline.setOption("format", to: format, forPass: CalibratePass.argument)
        pipeline.setOption("symmetric", to: symmetric ? "true" : "false", forPass: CalibratePass.argument)
    }

    /// With `--weight-method gptq` or `gptaq` and static activations, adds `round-weights` before `insert-qdq`
    /// (for `gptaq` with `inputs=quantized`); run it after `apply(to:)` (it copies insert-qdq's options) and before
    /// bias correction is added.
    func applyWeightRounding(to pipeline: inout Pipeline) throws {
        guard let weightMethod, ["gptq", "gptaq"].contains(weightMethod), !isWeightOnly, !isDynamic else { return }
        guard pipeline.insertWeightRounding(forQuantizedInputs: weightMethod == "gptaq") else {
            throw ValidationError(
                "--weight-method \(weightMethod) with static activations needs an insert-qdq pass in the pipeline")
        }
    }
}
