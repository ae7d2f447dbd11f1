import Foundation
import TestSupport
import Testing

/// The page `qdqc compare --html` writes opens in a real browser and shows the chart.
@Suite struct CompareHTMLTests {
    /// Debian's `chromium` (or `chromium-browser`) on PATH, if installed.
    static let chromium: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            for name in ["chromium", "chromium-browser"] {
                let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            }
        }
        return nil
    }()

    @Test(.enabled(if: chromium != nil, "chromium is not installed (.ci/setup installs it); skipped"))
    func chartShowsInHeadlessChromium() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-compare-html")
        defer { scratch.remove() }
        let (model, quantized, eval) = try CompareCommandTests.quantizedExample(in: scratch)
        let page = scratch.file("compare.html")
        let compare = try Qdqc.run(
            [
                "compare", model.path, quantized.path, "--data", eval.path, "--samples", "4", "--html", page.path,
                "--quiet",
            ])
        try #require(compare.succeeded, "\(compare.summary)")
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("<circle"), "the page must hold an inline SVG chart")
        #expect(
            !html.contains("<script") && !html.contains("<link") && !html.contains("src="),
            "the page must be self-contained: no script, stylesheet link or external source")

        let screenshot = scratch.file("shot.png")
        let browser = try ProcessRunner.run(
            try #require(Self.chromium),
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1100,800",
                "--screenshot=\(screenshot.path)", page.absoluteString,
            ],
            workingDirectory: scratch.url, environment: ["HOME": scratch.url.path])
        try #require(
            FileManager.default.fileExists(atPath: screenshot.path), "chromium wrote no screenshot:\n\(browser.summary)"
        )
        // The activation series is drawn in #1f77b4; its points and line must be on screen, and the
        // chart area (below the heading, 1000×420 at the left margin) must not be blank.
        let stats = try Python.runScript(
            "png_region_stats.py", [screenshot.path, "0", "0", "1100", "800", "1f77b4"])
        try #require(stats.succeeded, "\(stats.summary)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(stats.standardOutput.utf8)) as? [String: Any])
        let seriesPixels = try #require(object["colourPixels"] as? Int)
        let drawn = try #require(object["drawnFraction"] as? Double)
        let deviation = try #require(object["luminanceDeviation"] as? Double)
        #expect(seriesPixels > 150, "too few chart-coloured pixels (\(seriesPixels)): the chart did not render")
        #expect(drawn > 0.02 && deviation > 5, "the screenshot is (nearly) blank: \(stats.standardOutput)")
    }
}
