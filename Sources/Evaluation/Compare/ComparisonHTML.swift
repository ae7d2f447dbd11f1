import Foundation

/// A single self-contained HTML page (inline SVG and CSS, no script, no network) with SQNR along
/// the float graph's topological order, so a person sees where error accumulates, and the table.
public struct ComparisonHTML {
    /// The result to draw.
    public let result: ModelComparison

    /// Creates a page for `result`.
    public init(result: ModelComparison) { self.result = result }

    /// Chart size in CSS pixels.
    static let width = 1000.0
    static let height = 420.0
    static let margin = (left: 60.0, right: 20.0, top: 20.0, bottom: 50.0)
    /// The chart's SQNR axis ends here at most; higher values (near-exact tensors) sit on the top edge, hollow.
    static let ceilingDecibels = 80.0

    /// The page.
    public var text: String {
        let title = "qdqc compare: \(result.quantizedModel) vs \(result.floatModel)"
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(Self.escape(title))</title>
            <style>
            body { font: 14px/1.4 system-ui, sans-serif; margin: 16px; color: #222; background: #fff; }
            h1 { font-size: 18px; margin: 0 0 4px 0; }
            p.meta { margin: 0 0 12px 0; color: #555; }
            svg { display: block; border: 1px solid #ddd; background: #fff; }
            .legend span { display: inline-block; margin-right: 16px; }
            .sw { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
            table { border-collapse: collapse; margin-top: 16px; font-size: 12px; }
            th, td { border-bottom: 1px solid #eee; padding: 2px 8px; text-align: left; white-space: nowrap; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; }
            td.bad { background: #fbd5d5; } td.warn { background: #fdebc8; } td.good { background: #d9f2dc; }
            </style></head><body>
            <h1>\(Self.escape(title))</h1>
            <p class="meta">\(result.samples) sample(s) of \(Self.escape(result.data)); \(result.tensors.count) tensors \
            matched. SQNR in dB (higher is better) of each quantized tensor against the float model, by the \
            topological position of the float node that computes it (weights: their first consumer). Hollow points \
            lie above the chart's top (\(Int(Self.ceilingDecibels)) dB at most is drawn).</p>
            <div class="legend"><span><i class="sw" style="background:#1f77b4"></i>activation</span>\
            <span><i class="sw" style="background:#ff7f0e"></i>weight</span>\
            <span><i class="sw" style="background:#d62728"></i>graph output</span></div>

            """
        if let perplexity = result.perplexity {
            html += "<p class=\"meta\"><strong>\(Self.escape(perplexity.summary))</strong></p>\n"
        }
        html += chart
        html += table
        if let sensitivity = result.sensitivity { html += Self.sensitivityTable(sensitivity) }
        html += "</body></html>\n"
        return html
    }

    /// The SVG chart.
    var chart: String {
        let (w, h, m) = (Self.width, Self.height, Self.margin)
        let plotted = result.tensors
        let positions = plotted.map { Double($0.position) }
        let minX = min(positions.min() ?? 0, 0)
        let maxX = max(positions.max() ?? 1, minX + 1)
        let values = plotted.map(\.sqnr)
        let minY = min(floor((values.min() ?? 0) / 10) * 10, 0)
        // Exact results give hundreds of dB and would flatten everything else; they are drawn at the top edge.
        let maxY = max(min(ceil((values.max() ?? 10) / 10) * 10, Self.ceilingDecibels), minY + 10)
        let x = { (value: Double) in m.left + (value - minX) / (maxX - minX) * (w - m.left - m.right) }
        let y = { (value: Double) in h - m.bottom - (min(value, maxY) - minY) / (maxY - minY) * (h - m.top - m.bottom) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" "
        svg += "viewBox=\"0 0 \(Int(w)) \(Int(h))\" role=\"img\" aria-label=\"SQNR along graph depth\">\n"
        let step = Self.tickStep(maxY - minY)
        var tick = minY
        while tick <= maxY + 1e-9 {
            let ty = Self.number(y(tick))
            svg += "<line x1=\"\(Self.number(m.left))\" x2=\"\(Self.number(w - m.right))\" y1=\"\(ty)\" y2=\"\(ty)\" "
            svg += "stroke=\"#e6e6e6\"/><text x=\"\(Self.number(m.left - 6))\" y=\"\(ty)\" font-size=\"11\" "
            svg += "text-anchor=\"end\" dominant-baseline=\"middle\">\(Self.number(tick))</text>\n"
            tick += step
        }
        let xStep = Self.tickStep(maxX - minX)
        var xTick = ceil(minX / xStep) * xStep
        while xTick <= maxX + 1e-9 {
            let tx = Self.number(x(xTick))
            svg += "<line x1=\"\(tx)\" x2=\"\(tx)\" y1=\"\(Self.number(h - m.bottom))\" "
            svg += "y2=\"\(Self.number(h - m.bottom + 4))\" stroke=\"#444\"/>"
            svg += "<text x=\"\(tx)\" y=\"\(Self.number(h - m.bottom + 16))\" font-size=\"11\" "
            svg += "text-anchor=\"middle\">\(Self.number(xTick))</text>\n"
            xTick += xStep
        }
        svg += "<line x1=\"\(Self.number(m.left))\" x2=\"\(Self.number(m.left))\" y1=\"\(Self.number(m.top))\" "
        svg += "y2=\"\(Self.number(h - m.bottom))\" stroke=\"#444\"/>"
        svg += "<line x1=\"\(Self.number(m.left))\" x2=\"\(Self.number(w - m.right))\" "
        svg += "y1=\"\(Self.number(h - m.bottom))\" y2=\"\(Self.number(h - m.bottom))\" stroke=\"#444\"/>\n"
        svg += "<text x=\"\(Self.number((m.left + w - m.right) / 2))\" y=\"\(Self.number(h - 10))\" "
        svg += "font-size=\"12\" text-anchor=\"middle\">topological position of the float node</text>\n"
        svg += "<text transform=\"translate(16 \(Self.number((m.top + h - m.bottom) / 2))) rotate(-90)\" "
        svg += "font-size=\"12\" text-anchor=\"middle\">SQNR (dB)</text>\n"
        let activations = plotted.filter { $0.kind != .weight }.sorted {
            ($0.position, $0.tensor) < ($1.position, $1.tensor)
        }
        if activations.count > 1 {
            let points = activations.map { "\(Self.number(x(Double($0.position)))),\(Self.number(y($0.sqnr)))" }
            svg += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" stroke-opacity=\"0.6\" "
            svg += "points=\"\(points.joined(separator: " "))\"/>\n"
        }
        let ordered =
            plotted.filter { $0.kind == .weight } + activations.filter { $0.kind == .activation }
            + activations.filter { $0.kind == .output }
        for row in ordered {
            let color = row.kind == .weight ? "#ff7f0e" : row.kind == .output ? "#d62728" : "#1f77b4"
            let radius = row.kind == .output ? 5 : 3
            let label = "\(row.tensor) (\(row.opType) \(row.node ?? "-")): \(ComparisonTable.decibels(row.sqnr)) dB"
            let clipped = row.sqnr > maxY
            svg +=
                "<circle cx=\"\(Self.number(x(Double(row.position))))\" cy=\"\(Self.number(y(min(row.sqnr, maxY))))\" "
            svg += "r=\"\(radius)\" " + (clipped ? "fill=\"#fff\" stroke=\"\(color)\"" : "fill=\"\(color)\"")
            svg += "><title>\(Self.escape(label))</title></circle>\n"
        }
        svg += "</svg>\n"
        return svg
    }

    /// The table, worst first.
    var table: String {
        var html = "<table><thead><tr><th>SQNR dB</th><th>own dB</th><th>cosine</th><th>max abs err</th>"
        html += "<th>kind</th><th>position</th><th>op type</th><th>node</th><th>tensor</th></tr></thead><tbody>\n"
        for row in result.tensors {
            let grade = row.sqnr < 10 ? "bad" : row.sqnr < 20 ? "warn" : "good"
            html += "<tr><td class=\"n \(grade)\">\(ComparisonTable.decibels(row.sqnr))</td>"
            html += "<td class=\"n\">\(row.ownQuantizationSQNR.map(ComparisonTable.decibels) ?? "-")</td>"
            html += "<td class=\"n\">\(String(format: "%.6f", row.cosine))</td>"
            html += "<td class=\"n\">\(String(format: "%.4g", row.maxAbsError))</td>"
            html += "<td>\(row.kind.rawValue)</td><td class=\"n\">\(row.position)</td>"
            html += "<td>\(Self.escape(row.opType))</td><td>\(Self.escape(row.node ?? "-"))</td>"
            html += "<td>\(Self.escape(row.tensor))</td></tr>\n"
        }
        html += "</tbody></table>\n"
        return html
    }

    /// The sensitivity analysis, most sensitive tensor first, with bars for both measures.
    static func sensitivityTable(_ report: SensitivityReport) -> String {
        let full = report.outputs.map { "'\($0.output)' \(ComparisonTable.decibels($0.sqnr)) dB" }
        var html = "<h2 style=\"font-size:16px;margin-top:24px\">Sensitivity</h2>\n<p class=\"meta\">Samples "
        html += "\(report.firstSample)..&lt;\(report.endSample) of \(escape(report.data)); all quantized: "
        html += escape(full.joined(separator: ", ")) + ". For each quantized tensor: the worst graph output's SQNR "
        html += "with only that tensor quantized (low: it hurts alone), and with only it left float (gain: what "
        html += "leaving it float gives back). Most sensitive first.</p>\n"
        html += "<table><thead><tr><th>alone dB</th><th>float dB</th><th>gain dB</th><th></th><th>own dB</th>"
        html += "<th>kind</th><th>op type</th><th>node</th><th>tensor</th></tr></thead><tbody>\n"
        let largestGain = max(report.tensors.map(\.gain).max() ?? 0, 1e-9)
        for row in report.tensors {
            let grade = row.quantizedAloneSQNR < 20 ? "bad" : row.quantizedAloneSQNR < 30 ? "warn" : "good"
            let bar = Int((max(row.gain, 0) / largestGain * 120).rounded())
            html += "<tr><td class=\"n \(grade)\">\(ComparisonTable.decibels(row.quantizedAloneSQNR))</td>"
            html += "<td class=\"n\">\(ComparisonTable.decibels(row.floatAloneSQNR))</td>"
            html += "<td class=\"n\">\(String(format: "%+.2f", row.gain))</td>"
            html += "<td><i class=\"sw\" style=\"width:\(bar)px;background:#2ca02c\"></i></td>"
            html += "<td class=\"n\">\(row.ownSQNR.map(ComparisonTable.decibels) ?? "-")</td>"
            html += "<td>\(row.kind.rawValue)</td><td>\(escape(row.opType))</td><td>\(escape(row.node ?? "-"))</td>"
            html += "<td>\(escape(row.tensor))</td></tr>\n"
        }
        html += "</tbody></table>\n"
        for skipped in report.skipped {
            html += "<p class=\"meta\">not measured: \(escape(skipped.tensor)): \(escape(skipped.reason))</p>\n"
        }
        return html
    }

    /// A round tick spacing giving about 5 to 10 ticks over `span`.
    static func tickStep(_ span: Double) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / 8
        let magnitude = pow(10, floor(log10(raw)))
        for factor in [1.0, 2.0, 5.0, 10.0] where raw <= factor * magnitude { return factor * magnitude }
        return 10 * magnitude
    }

    /// A coordinate or label with at most two decimals and no trailing zeros.
    static func number(_ value: Double) -> String {
        var text = String(format: "%.2f", value)
        while text.contains(".") && (text.hasSuffix("0") || text.hasSuffix(".")) { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    /// Escapes text for HTML element content and attribute values.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
