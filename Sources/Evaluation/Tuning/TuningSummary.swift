import Foundation

/// The lines `convert --tune` prints: one per setting tried, as it is measured, and the choice.
public enum TuningSummary {
    /// One trial: its flags and each output's SQNR, or why it was skipped.
    public static func line(for trial: TuningTrial) -> String {
        let setting = "round \(trial.round): \(trial.setting.label)"
        guard let outputs = trial.outputs else { return "\(setting): skipped: \(trial.skipped ?? "")" }
        var measured = outputs.map { "'\($0.output)' \(String(format: "%.2f", $0.sqnr))" }.joined(separator: ", ")
        if let logits = trial.logits {
            measured +=
                "; logits "
                + logits.map { "'\($0.output)' \(String(format: "%.2f", $0.sqnr))" }.joined(separator: ", ")
        }
        let seconds = trial.seconds.map { String(format: " (%.1f s)", $0) } ?? ""
        return "\(setting): worst \(String(format: "%.2f", trial.worstSQNR ?? .nan)) dB; output SQNR dB \(measured)"
            + seconds
    }

    /// The outcome: what was chosen, why, and how the search ended.
    public static func lines(for report: TuningReport) -> [String] {
        let ending =
            report.stoppedBy == "budget"
            ? "the budget of \(report.budget) conversions ran out (--tune-budget)"
            : "no setting one change away ranks above it"
        return [
            "chose \(report.chosen.label): \(report.reason); \(report.conversions) conversion(s), stopped because "
                + "\(ending)"
        ]
    }
}
