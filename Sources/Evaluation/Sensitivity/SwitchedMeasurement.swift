/// What one mix of quantized, widened and float tensors gives on the evaluation samples: each graph output's
/// SQNR against the float model and, when perplexity is measured, the next-token likelihood.
struct SwitchedMeasurement {
    /// Each graph output's SQNR in dB.
    var outputs: [ReportOutputSQNR]
    /// The summed next-token negative log-likelihood; nil when perplexity is not measured.
    var likelihood: NextTokenLikelihood?
}
