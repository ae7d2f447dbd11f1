/// The `--pass-statistics` listing: each pass, whether it changed the model, and its counters.
struct PassStatisticsReport {
    let report: PipelineReport

    var text: String {
        var lines = [
            "===-------------------------------------------------------------------------===",
            "                         ... Pass statistics report ...",
            "===-------------------------------------------------------------------------===",
        ]
        for record in report.records {
            lines.append("\(record.element) (\(record.changed ? "changed" : "unchanged"))")
            for (name, value) in record.statistics.sorted(by: { $0.key < $1.key }) {
                lines.append("  \(name): \(value)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
