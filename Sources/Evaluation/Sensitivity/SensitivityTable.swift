import Foundation

/// The plain-text form of a `SensitivityReport`: one row per tensor, most sensitive first.
public struct SensitivityTable {
    /// The report to print.
    public let report: SensitivityReport
    /// Print at most this many rows (nil: all).
    public let limit: Int?

    /// Creates a table.
    public init(report: SensitivityReport, limit: Int? = nil) {
        self.report = report
        self.limit = limit
    }

    /// A header line, the rows, and what was left out.
    public var text: String {
        let full = report.outputs.map { "'\($0.output)' \(ComparisonTable.decibels($0.sqnr)) dB" }
        var lines = [
            "sensitivity on samples \(report.firstSample)..<\(report.endSample) of \(report.data) "
                + "(\(report.tensors.count) tensors, \(String(format: "%.1f", report.seconds)) s); all quantized: "
                + full.joined(separator: ", "),
            "worst output SQNR with the tensor quantized alone / with it alone float (gain over all quantized):",
            [
                pad("alone dB", 8), pad("float dB", 8), pad("gain dB", 7), pad("own dB", 6),
                pad("kind", 10, left: true),
                pad("op type", 18, left: true), "tensor",
            ].joined(separator: "  "),
        ]
        let rows = limit.map { Array(report.tensors.prefix($0)) } ?? report.tensors
        for row in rows {
            lines.append(
                [
                    pad(ComparisonTable.decibels(row.quantizedAloneSQNR), 8),
                    pad(ComparisonTable.decibels(row.floatAloneSQNR), 8),
                    pad(String(format: "%+.1f", row.gain), 7), pad(row.ownSQNR.map(ComparisonTable.decibels) ?? "-", 6),
                    pad(row.kind.rawValue, 10, left: true), pad(row.opType, 18, left: true), row.tensor,
                ].joined(separator: "  "))
        }
        if rows.count < report.tensors.count { lines.append("... \(report.tensors.count - rows.count) more") }
        for skipped in report.skipped.prefix(5) { lines.append("not measured: \(skipped.tensor): \(skipped.reason)") }
        if report.skipped.count > 5 { lines.append("not measured: \(report.skipped.count - 5) more") }
        return lines.joined(separator: "\n") + "\n"
    }

    private func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        guard text.count < width else { return text }
        let fill = String(repeating: " ", count: width - text.count)
        return left ? text + fill : fill + text
    }
}
