import Foundation

/// The `--pass-timing` table: wall time per pass and for verification, with shares of the total.
struct PassTimingReport {
    let report: PipelineReport

    var text: String {
        let rows =
            report.records.map { ($0.element, $0.duration.seconds) } + [
                ("(verifier)", report.verifierDuration.seconds)
            ]
        let total = rows.reduce(0) { $0 + $1.1 }
        var lines = [
            "===-------------------------------------------------------------------------===",
            "                         ... Pass execution timing report ...",
            "===-------------------------------------------------------------------------===",
            "  Total Execution Time: \(format(total)) seconds",
            "",
            "  ----Wall Time----  ----Name----",
        ]
        for (name, time) in rows + [("Total", total)] {
            let share = total > 0 ? time / total * 100 : 0
            lines.append("  \(format(time)) (\(String(format: "%5.1f", share))%)  \(name)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func format(_ seconds: Double) -> String { String(format: "%8.4f", seconds) }
}
