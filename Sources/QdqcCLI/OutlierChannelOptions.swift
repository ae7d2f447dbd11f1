import ArgumentParser
import Calibration
import Passes

/// `--outlier-channels RATIO`: adds `split-outlier-channels` before calibration.
struct OutlierChannelOptions: ParsableArguments {
    @Option(
        name: .customLong("outlier-channels"),
        help: ArgumentHelp(
            "Compute the input channels of each constant-weight MatMul or Gemm whose calibrated max |x| exceeds RATIO × the "
                + "median channel's in float, and quantize the rest (LLM.int8() decomposition; at most 20 % of the "
                + "channels). Static activations only; needs --calib-data.",
            valueName: "ratio"))
    var ratio: String?

    mutating func validate() throws {
        if let ratio, (Float(ratio) ?? 0) <= 1 {
            throw ValidationError("--outlier-channels '\(ratio)': expected a number greater than 1")
        }
    }

    /// Inserts `split-outlier-channels{ratio=...}` before the first `calibrate` when the flag is given.
    func apply(to pipeline: inout Pipeline, calibrationData: CalibrationDataSource?) throws {
        guard let ratio else { return }
        guard calibrationData != nil else {
            throw ValidationError("--outlier-channels needs calibration samples: --calib-data (or --calib-random)")
        }
        let argument = SplitOutlierChannelsPass.argument
        if pipeline.contains(pass: argument) {
            pipeline.setOption("ratio", to: ratio, forPass: argument, overriding: true)
            return
        }
        guard let anchor = pipeline.elements.firstIndex(where: { $0.passArgument == CalibratePass.argument }) else {
            throw ValidationError(
                "--outlier-channels changes what calibration measures, so it needs static activation scales "
                    + "(a pipeline with calibrate and insert-qdq)")
        }
        pipeline.elements.insert(
            PipelineElement(passArgument: argument, options: [PipelineOption(key: "ratio", value: ratio)]), at: anchor)
    }
}
