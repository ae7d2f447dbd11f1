import ArgumentParser
import Calibration
import Passes

/// `--equalize` and `--bias-correction`: the accuracy techniques that add a pass to the pipeline (issue 17).
struct AccuracyRecoveryOptions: ParsableArguments {
    @Flag(
        help: ArgumentHelp(
            "Cross-layer equalization before calibrating: balance the per-channel weight ranges of "
                + "Conv/Gemm/MatMul pairs joined directly or by ReLU/LeakyReLU (the float model is unchanged); "
                + "with per-channel weights (the default) it says so and rescales nothing: use with --per-tensor."))
    var equalize = false

    @Flag(
        name: .customLong("bias-correction"),
        help: ArgumentHelp(
            "Subtract the mean output shift weight quantization causes, (W_q - W)·E[x] per output channel, "
                + "from the float biases before insert-qdq quantizes them. Needs --calib-data."))
    var biasCorrection = false

    /// Inserts `equalize` and `correct-bias` into `pipeline`; run it after every flag that sets `insert-qdq`'s
    /// options, since `correct-bias` copies them.
    func apply(to pipeline: inout Pipeline, calibrationData: CalibrationDataSource?) throws {
        if equalize { try pipeline.insertEqualize() }
        guard biasCorrection else { return }
        guard calibrationData != nil else {
            throw ValidationError("--bias-correction needs calibration samples: --calib-data (or --calib-random)")
        }
        guard pipeline.insertBiasCorrection() else {
            throw ValidationError(
                "--bias-correction corrects statically quantized weights: the pipeline has no insert-qdq "
                    + "(not with --activations none or dynamic activation scales)")
        }
    }
}
