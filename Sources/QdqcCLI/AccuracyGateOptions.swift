import ArgumentParser

/// The CI gate: bars the quantized model must meet, checked before the output is written.
struct AccuracyGateOptions: ParsableArguments {
    @Option(
        name: .customLong("min-sqnr"),
        help: ArgumentHelp(
            "Fail (exit status 3, no output) unless every graph output's SQNR against the float model is at "
                + "least DB decibels on the evaluation samples.",
            valueName: "db"))
    var minSQNR: Double?

    @Option(
        name: .customLong("max-drop"),
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

    @Flag(
        name: .customLong("keep-on-failure"),
        help: "Write the output model even when the accuracy gate fails (the exit status is still 3).")
    var keepOnFailure = false

    /// Whether any bar is set.
    var isActive: Bool { minSQNR != nil || maxDrop != nil }

    mutating func validate() throws {
        if maxDrop != nil, metric == nil { throw ValidationError("--max-drop needs --metric 'COMMAND {model}'") }
        if metric != nil, maxDrop == nil { throw ValidationError("--metric is used by --max-drop; give both") }
        if let metric, !metric.contains(MetricCommand.placeholder) {
            throw ValidationError("--metric must contain \(MetricCommand.placeholder) where the model path goes")
        }
        if let minSQNR, !minSQNR.isFinite { throw ValidationError("--min-sqnr must be a finite number") }
        if let maxDrop, !maxDrop.isFinite { throw ValidationError("--max-drop must be a finite number") }
        if keepOnFailure, !isActive { throw ValidationError("--keep-on-failure needs --min-sqnr or --max-drop") }
    }
}
