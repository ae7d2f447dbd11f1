import Foundation

/// The plain-text table `qdqc compare` prints: one row per tensor, worst SQNR first.
public struct ComparisonTable {
    /// The result to print.
    public let result: ModelComparison
    /// Print at most this many rows (nil: all).
    public let limit: Int?

    /// Creates a table.
    public init(result: ModelComparison, limit: Int? = nil) {
        self.result = result
        self.limit = limit
    }

    /// The table with a header line and a closing summary; the perplexity line, when measured, comes last.
    public var text: String {
        var lines: [String] = []
        lines.append(
            "\(result.quantizedModel) vs \(result.floatModel) on \(result.samples) sample(s) of \(result.data): "
                + "\(result.tensors.count) tensors matched")
        let header = [
            pad("SQNR dB", 8, right: true), pad("own dB", 7, right: true), pad("cosine", 9, right: true),
            pad("max abs err", 11, right: true), pad("kind", 10), pad("op type", 18), pad("node", 32), "tensor",
        ]
        lines.append(header.joined(separator: "  "))
        let rows = limit.map { Array(result.tensors.prefix($0)) } ?? result.tensors
        for row in rows {
            let fields = [
                pad(Self.decibels(row.sqnr), 8, right: true),
                pad(row.ownQuantizationSQNR.map(Self.decibels) ?? "-", 7, right: true),
                pad(String(format: "%.6f", row.cosine), 9, right: true),
                pad(String(format: "%.4g", row.maxAbsError), 11, right: true),
                pad(row.kind.rawValue, 10), pad(row.opType, 18), pad(row.node ?? "-", 32), row.tensor,
            ]
            lines.append(fields.joined(separator: "  "))
        }
        if rows.count < result.tensors.count {
            lines.append("... \(result.tensors.count - rows.count) more (all of them with --json or --html)")
        }
        if !result.unmatchedDequantizeNodes.isEmpty {
            let names = result.unmatchedDequantizeNodes.prefix(5).joined(separator: ", ")
            let more = result.unmatchedDequantizeNodes.count > 5 ? ", ..." : ""
            lines.append(
                "note: \(result.unmatchedDequantizeNodes.count) DequantizeLinear node(s) have no float counterpart: "
                    + names + more)
        }
        if !result.rescaledTensors.isEmpty {
            // Their SQNR against the float model would only measure SmoothQuant's division by s.
            lines.append(
                "note: \(result.rescaledTensors.count) tensor(s) hold values SmoothQuant divided by s; their own "
                    + "quantization's SQNR, worst first:")
            for row in result.rescaledTensors.prefix(limit ?? result.rescaledTensors.count) {
                let own = row.ownQuantizationSQNR.map(Self.decibels) ?? "-"
                lines.append("  " + pad(own, 7, right: true) + " dB  " + pad(row.opType, 18) + "  " + row.tensor)
            }
        }
        if let sensitivity = result.sensitivity {
            lines.append("")
            lines.append(String(SensitivityTable(report: sensitivity, limit: limit).text.dropLast()))
        }
        // Last, where a long table's reader lands: the one number people ask about for a language model.
        if let perplexity = result.perplexity { lines.append(perplexity.summary) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// SQNR with one decimal.
    static func decibels(_ value: Double) -> String { String(format: "%.1f", value) }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        guard text.count < width else { return text }
        let fill = String(repeating: " ", count: width - text.count)
        return right ? fill + text : text + fill
    }
}
