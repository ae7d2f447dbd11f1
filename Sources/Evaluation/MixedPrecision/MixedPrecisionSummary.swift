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
        let bound = "bound \(String(format: "%g", report.maxWideFraction * 100))%"
        let bytesBound = report.boundedBy == .bytes
        let moved = report.raised.filter { $0.precision == .float8 }.count
        let raises = report.raised.count - moved
        let moves = moved > 0 ? ", \(moved) tensor(s) moved to FP8 E4M3" : ""
        var outcome =
            "\(report.reached ? "target reached" : "target NOT reached"): \(raises) raise(s)\(moves) ("
            + "\(report.format)); \(Self.percent(report.wideMACFraction)) of MACs wide "
            + "(\(report.wideMACs) of \(report.totalMACs) per sample\(bytesBound ? "" : "; \(bound)")), "
            + "\(Self.percent(report.wideByteFraction)) of weight bytes wide (\(report.wideBytes) of "
            + "\(report.weightBytes)\(bytesBound ? "; \(bound)" : "")), \(report.wideWeightBytes) bytes of float "
            + "weights; output SQNR dB \(before.joined(separator: ", ")) -> \(after.joined(separator: ", "))"
        if let floatPerplexity = report.floatPerplexity, let from = report.perplexityBefore,
            let to = report.perplexityAfter
        {
            outcome +=
                "; perplexity \(String(format: "%.2f", from)) -> \(String(format: "%.2f", to)) (float "
                + "\(String(format: "%.2f", floatPerplexity)), bound +"
                + "\(String(format: "%g", (report.maxPerplexityIncrease ?? 0) * 100))%)"
        }
        var lines = [outcome]
        for raised in report.raised {
            let to: String
            switch (raised.precision, raised.kind) {
            case (.float, _), (.quantized, _): to = "float"
            case (.wide, .weight): to = "8 bits"
            case (.wide, _): to = "16 bits"
            case (.float8, _):
                let others = raised.together?.map { "'\($0)'" }.joined(separator: ", ")
                to = "FP8 E4M3" + (others.map { " with \($0)" } ?? "")
            }
            let gain =
                report.maxPerplexityIncrease == nil
                ? "\(String(format: "%+.2f", raised.gain)) dB"
                : "\(String(format: "%.4f", raised.gain)) nats/token (perplexity "
                    + "\(String(format: "%+.2f", expm1(-raised.gain) * 100))%)"
            let cost =
                raised.precision == .float8
                ? "8 bits still"
                : raised.kind == .weight ? "\(raised.macs) MACs, \(raised.bytes) bytes" : "\(raised.macs) MACs"
            let then =
                raised.perplexityAfter.map { "perplexity then \(String(format: "%.2f", $0))" }
                ?? "worst output then \(String(format: "%.2f", raised.worstSQNRAfter)) dB"
            let verb = raised.precision == .float8 ? "moved" : "raised"
            lines.append(
                "\(verb) \(raised.kind.rawValue) '\(raised.tensor)' to \(to): gain \(gain) alone, \(cost); \(then), "
                    + "\(Self.percent(raised.wideMACFractionAfter)) of MACs wide, "
                    + "\(Self.percent(raised.wideByteFractionAfter)) of weight bytes wide")
        }
        if let note = report.formatNote { lines.append(note) }
        if let lacking = report.lacking { lines.append("best model found: \(lacking)") }
        return lines
    }

    private static func percent(_ fraction: Double) -> String { String(format: "%.2f%%", fraction * 100) }
}
