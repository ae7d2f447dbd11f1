import ArgumentParser
import Evaluation

/// The CI gate: bars the quantized model must meet, checked before the output is written.
struct AccuracyGateOptions: ParsableArguments {
    @Option(
        name: .customLong("min-sqnr"),
        parsing: .unconditional,
        help: ArgumentHelp(
            "Fail (exit status 3, no output) unless every graph output's SQNR against the float model is at "
                + "least DB decibels on the evaluation samples.",
            valueName: "db"))
    var minSQNR: Double?

    // Unconditional, so a negative bar (`--max-drop -1`) is read as a number, not as a flag.
    @Option(
        name: .customLong("max-drop"),
        parsing: .unconditional,
        help: ArgumentHelp(
            "Fail (exit status 3, no output) when --metric's value drops by more than X (float minus quantized).",
            valueName: "x"))
    var maxDrop: Double?

    @Option(
        name: .customLong("metric"),
        help: ArgumentHelp(
            "A shell command that prints a number (higher is better) for the model at {model}; run on the float "
                + "and on the quantized model for --max-drop.",
            valueName: "command"))
    var metric: String?

    @Option(
        name: .customLong("max-perplexity-increase"),
        help: ArgumentHelp(
            "With --perplexity: fail (exit status 3, no output) when the quantized model's perplexity is more "
                + "than X above the float model's, relative (0.05 = 5%).",
            valueName: "x"))
    var maxPerplexityIncrease: Double?

    /// `--perplexity`, `--prompt-tokens`, `--logits`: what the perplexity bar (and the report) measure.
    @OptionGroup var perplexity: PerplexityOptions

    @Option(
        name: .customLong("metric-timeout"),
        help: ArgumentHelp(
            "Stop --metric and fail when one run takes longer than SECONDS (default 3600).", valueName: "seconds"))
    var metricTimeout: Double = MetricCommand.defaultTimeout

    @Flag(
        name: .customLong("keep-on-failure"),
        help: "Write the output model even when the accuracy gate fails (the exit status is still 3).")
    var keepOnFailure = false

    @Flag(
        name: .customLong("mixed-precision"),
        help: ArgumentHelp(
            "Turn --min-sqnr, --max-perplexity-increase or --max-drop into a target: raise the most sensitive "
                + "tensors to a wider format (8-bit activations to 16 bits where the target runs them, 4-bit "
                + "weights to int8, else float), in order of gain per cost, until the bars hold on the evaluation "
                + "samples (bounded by --max-wide-fraction)."))
    var mixedPrecision = false

    @Option(
        name: .customLong("max-wide-fraction"),
        help: ArgumentHelp(
            "With --mixed-precision: at most this fraction of the Conv/MatMul/Gemm MACs may run wide; for a "
                + "weight-only model (no activation quantized), of the quantized weights' bytes stored wide (int8 "
                + "1 byte per weight, float 4, against the 4-bit ½) (default 0.1).",
            valueName: "f"))
    var maxWideFraction: Double?

    @Flag(
        name: .customLong("mixed-fp8"),
        help: ArgumentHelp(
            "With --mixed-precision: first move layers whose int8 operands lose most to FP8 E4M3 (weights and "
                + "activations together; still 8 bits, so nothing counts as wide). Needs a runtime with FP8 GEMMs "
                + "(TensorRT on Ada/Hopper or later); raises the opset to 19."))
    var mixedFloat8 = false

    /// The gate these flags set.
    var settings: AccuracyGate {
        AccuracyGate(
            minSQNR: minSQNR, maxDrop: maxDrop, metric: metric, maxPerplexityIncrease: maxPerplexityIncrease,
            keepOnFailure: keepOnFailure, metricTimeout: metricTimeout, mixedPrecision: mixedPrecision,
            maxWideFraction: maxWideFraction ?? AccuracyGate.defaultMaxWideFraction, mixedFloat8: mixedFloat8)
    }

    mutating func validate() throws {
        if maxWideFraction != nil, !mixedPrecision {
            throw ValidationError("--max-wide-fraction needs --mixed-precision")
        }
        if let problem = settings.problem { throw ValidationError(problem) }
        if maxPerplexityIncrease != nil, perplexity.tokens == nil {
            throw ValidationError("--max-perplexity-increase needs --perplexity INPUT (the token-id input)")
        }
    }
}
