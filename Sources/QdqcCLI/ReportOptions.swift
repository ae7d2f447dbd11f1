import ArgumentParser

/// `--report FILE.json` and the evaluation data it (and the accuracy gate) measures on.
struct ReportOptions: ParsableArguments {
    @Option(
        name: .customLong("report"),
        help: ArgumentHelp(
            "Write a JSON report: command line, pipeline, per-pass time and statistics, per-tensor quantization "
                + "decisions, per-output accuracy (schemas/report.schema.json).",
            valueName: "file.json"))
    var path: String?

    @Option(
        name: .customLong("eval-data"),
        help: ArgumentHelp(
            "Samples to measure output accuracy on (same formats as --calib-data); without it, calibration "
                + "samples that calibration did not use, or else the calibration samples (the report says which).",
            valueName: "path"))
    var evalData: String?

    @Option(
        name: .customLong("eval-samples"),
        help: ArgumentHelp("Measure on at most N samples (default: all of --eval-data, else 16).", valueName: "n"))
    var evalSamples: Int?

    @Flag(
        help: ArgumentHelp(
            "Measure each quantized tensor's effect on the outputs on the evaluation samples (the tensor quantized "
                + "alone, and left alone float); printed worst first and written to the report."))
    var sensitivity = false

    mutating func validate() throws {
        if let evalSamples, evalSamples < 1 { throw ValidationError("--eval-samples must be at least 1") }
    }
}
