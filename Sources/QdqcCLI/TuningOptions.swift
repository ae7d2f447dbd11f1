import ArgumentParser
import Evaluation

/// `--tune` and `--tune-budget`: search the accuracy techniques per model on held-back samples.
struct TuningOptions: ParsableArguments {
    @Flag(
        help: ArgumentHelp(
            "Choose the calibration method (minmax, auto, mse, percentile), --smooth-quant=auto, --weight-method "
                + "gptaq, --bias-correction and --equalize for this model: convert with one change at a time from the "
                + "command line's own settings, keep the best by the worst SQNR of the outputs (and of the logits of "
                + "Softmax/Sigmoid outputs) on the evaluation samples "
                + "(held back from calibration), repeat until nothing helps; the written model is the best one. "
                + "Needs --calib-data and held-back samples (--eval-data, or --calib-samples below the data's size)."))
    var tune = false

    @Option(
        name: .customLong("tune-budget"),
        help: ArgumentHelp(
            "With --tune: convert at most N settings, the starting one included (default \(TuningSearch.defaultBudget)).",
            valueName: "n"))
    var budget: Int?

    mutating func validate() throws {
        if budget != nil, !tune { throw ValidationError("--tune-budget needs --tune") }
        if let budget, budget < 1 { throw ValidationError("--tune-budget must be at least 1") }
    }
}
