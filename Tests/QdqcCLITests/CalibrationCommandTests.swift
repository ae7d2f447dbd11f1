import Calibration
import Foundation
import TestSupport
import Testing

@testable import QdqcCLI

/// The calibration flags of `qdqc convert`, run as a user runs them, on the bundled example model.
@Suite struct CalibrationCommandTests {
    private let model = RepositoryPaths.examples.appendingPathComponent("digits_cnn.onnx").path
    private let calib = RepositoryPaths.examples.appendingPathComponent("digits_cnn.calib").path

    @Test func calibratesWritesTheTableAndShowsProgressLines() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-calib-cli")
        defer { scratch.remove() }
        let table = scratch.file("table.json").path
        let result = try Qdqc.run([
            model, "-o", scratch.file("out.onnx").path, "--passes", "calibrate", "--calib-data", calib,
            "--calib-samples", "3", "--calib-method", "percentile", "--calib-percentile", "99.9", "--calib-table",
            table,
        ])
        try #require(result.succeeded, "\(result.summary)")
        // Standard error is a file here, not a terminal: plain lines, the last one complete.
        #expect(result.standardError.contains("calibrate: 3/3 samples (100%)"))
        #expect(!result.standardError.contains("\r"))
        #expect(result.standardError.contains("wrote calibration table"))
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: table))) as? [String: Any]
        #expect(json?["method"] as? String == "percentile")
        #expect(json?["sampleCount"] as? Int == 3)
        #expect(json?["qdqcVersion"] as? String == QdqcVersion.current)
        #expect((json?["options"] as? [String: Any])?["percentile"] as? Double == 99.9)
    }

    @Test func quietPrintsNothing() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-calib-cli")
        defer { scratch.remove() }
        let result = try Qdqc.run([
            model, "-o", scratch.file("out.onnx").path, "--passes", "calibrate", "--calib-random", "--calib-samples",
            "2", "--quiet",
        ])
        try #require(result.succeeded, "\(result.summary)")
        #expect(result.standardError.isEmpty, "\(result.standardError)")
    }

    @Test func randomSamplesAreWarnedAbout() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-calib-cli")
        defer { scratch.remove() }
        let result = try Qdqc.run([
            model, "-o", scratch.file("out.onnx").path, "--passes", "calibrate", "--calib-random", "--calib-seed", "3",
        ])
        try #require(result.succeeded, "\(result.summary)")
        #expect(result.standardError.contains("meaningless for accuracy"))
        #expect(result.standardError.contains("calibrate: 8/8 samples"))
    }

    @Test func missingDataIsAnErrorNamingTheFlagsAndWritesNothing() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-calib-cli")
        defer { scratch.remove() }
        let output = scratch.file("out.onnx")
        let result = try Qdqc.run([model, "-o", output.path, "--passes", "calibrate"])
        #expect(!result.succeeded)
        #expect(result.standardError.contains("--calib-data") && result.standardError.contains("--calib-random"))
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test func conflictingOrUselessFlagsAreUsageErrors() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-calib-cli")
        defer { scratch.remove() }
        let output = scratch.file("out.onnx").path
        for (arguments, needle) in [
            (["--passes", "calibrate", "--calib-data", calib, "--calib-random"], "exclude each other"),
            (["--passes", "", "--calib-random", "--calib-method", "entropy"], "need a calibrate pass"),
            (["--passes", "calibrate", "--calib-data", calib, "--calib-samples", "0"], "at least 1"),
            (["--passes", "calibrate", "--calib-data", calib, "--calib-option", "bins"], "NAME=VALUE"),
            (["--passes", "calibrate", "--calib-data", calib, "--calib-option", "bins=64"], "bins"),
            (["--passes", "calibrate", "--calib-data", calib, "--calib-method", "kl"], "kl"),
            (["--passes", "calibrate", "--calib-table", "t.json"], "t.json: cannot read"),
        ] {
            let result = try Qdqc.run([model, "-o", output] + arguments)
            #expect(!result.succeeded, "\(arguments)")
            #expect(result.standardError.contains(needle), "\(arguments): \(result.standardError)")
            #expect(!FileManager.default.fileExists(atPath: output))
        }
    }

    @Test func progressTextGivesCountRateAndTimeLeft() {
        let bar = ProgressRenderer.describe(task: "calibrate", completed: 12, total: 64, elapsed: 4, bar: true)
        #expect(bar == "calibrate: [#####.........................] 12/64 samples (18%) 3.00/s 0:17 left")
        let done = ProgressRenderer.describe(task: "calibrate", completed: 64, total: 64, elapsed: 125, bar: false)
        #expect(done == "calibrate: 64/64 samples (100%) 0.51/s in 2:05")
        #expect(ProgressRenderer.clockText(3725) == "1:02:05")
    }

    @Test func progressAsJSONLinesForWrappers() throws {
        let line = ProgressRenderer.json(ProgressUpdate(task: "calibrate \"x\"", completed: 3, total: nil))
        #expect(line == #"{"progress":{"task":"calibrate \"x\"","completed":3,"total":null}}"#)
        let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: [String: Any]]
        #expect(parsed?["progress"]?["completed"] as? Int == 3)
    }
}
