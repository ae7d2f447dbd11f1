import Foundation

/// The lines `convert --mixed-precision` prints: what was raised, why, what it costs, and what was lacking.
public struct MixedPrecisionSummary {
    /// The search's outcome.
    public let report: MixedPrecisionReport

    /// Creates the summary.
    public init(report: MixedPrecisionReport) { self.report = report }

    /// One line for the outcome, one per raised tensor, and what the best model lacked when the target was missed.
    public var lines: [String] {
        let before = report.before.map { "'\($0.output)' \(String(format: "%.2f", $0.sqnr))" }
        let after = report.after.map { "'\($0.output)' \(String(format: "%.2f", $0.sqnr))" }
        var lines = [
            "\(report.reached ? "target reached" : "target NOT reached"): \(report.raised.count) raise(s) ("
                + "\(report.format)); \(String(format: "%.2f", report.wideMACFraction * 100))% of MACs wide "
                + "(\(report.wideMACs) of \(report.totalMACs) per sample; bound "
                + "\(String(format: "%g", report.maxWideFraction * 100))%), \(report.wideWeightBytes) bytes of float "
                + "weights; output SQNR dB \(before.joined(separator: ", ")) -> \(after.joined(separator: ", "))"
        ]
        for raised in report.raised {
            lines.append(
                "raised \(raised.kind.rawValue) '\(raised.tensor)' to "
                    + "\(raised.precision == .wide ? "16 bits" : "float"): gain \(String(format: "%+.2f", raised.gain)) dB "
                    + "alone, \(raised.macs) MACs; worst output then \(String(format: "%.2f", raised.worstSQNRAfter)) dB, "
                    + "\(String(format: "%.2f", raised.wideMACFractionAfter * 100))% of MACs wide")
        }
        if let note = report.formatNote { lines.append(note) }
        if let lacking = report.lacking { lines.append("best model found: \(lacking)") }
        return lines
    }
}
