/// How `--tune` ranks two measured settings: by the worst SQNR on the evaluation samples among the graph outputs
/// and the logits of probability outputs (`TuningMeter`), then (on a tie) by the next worst, and so on (the
/// SQNRs sorted ascending, compared in order).
///
/// The worst output rather than a sum: with a sum, a setting that gains 3 dB on one output and loses 2 dB on
/// another would win, trading an output away. Ranked by the worst, no output of the chosen setting is below
/// the worst output of any setting measured, the user's own settings included.
public enum TuningObjective {
    /// One sentence for the report.
    public static let description =
        "the worst SQNR (dB) on the evaluation samples among the graph outputs and the logits of Softmax/Sigmoid "
        + "outputs, ties broken by the next worst; the chosen setting is the best measured (the first measured "
        + "among equals)"

    /// Whether `candidate` ranks strictly above `incumbent`.
    public static func isBetter(_ candidate: [ReportOutputSQNR], than incumbent: [ReportOutputSQNR]) -> Bool {
        let a = candidate.map(\.sqnr).sorted()
        let b = incumbent.map(\.sqnr).sorted()
        for (x, y) in zip(a, b) where x != y { return x > y }
        return false
    }

    /// The worst output's SQNR; +infinity when there is no output.
    public static func worst(_ outputs: [ReportOutputSQNR]) -> Double { outputs.map(\.sqnr).min() ?? .infinity }
}
