import Foundation
import TestSupport
import Testing

/// `qdqc calibrate` and `qdqc calib-merge` as a user runs them on the bundled example model: bad parts are
/// one-line errors naming the file, with a non-zero exit and no output written.
@Suite struct CalibMergeCommandTests {
    private let model = RepositoryPaths.examples.appendingPathComponent("digits_cnn.onnx").path
    private let calib = RepositoryPaths.examples.appendingPathComponent("digits_cnn.calib").path

    private func part(_ scratch: TemporaryDirectory, _ name: String, _ arguments: [String] = []) throws -> String {
        let path = scratch.path(name)
        let result = try Qdqc.run(
            ["calibrate", model, "--calib-data", calib, "--calib-samples", "2", "-o", path, "--quiet"] + arguments)
        try #require(result.succeeded, "\(result.summary)")
        return path
    }

    /// Runs calib-merge and checks it failed with one `error:` line naming `file` and containing `needle`.
    private func expectRefusal(_ parts: [String], file: String, _ needle: String, in scratch: TemporaryDirectory)
        throws
    {
        let table = scratch.path("table.json")
        let result = try Qdqc.run(["calib-merge"] + parts + ["-o", table])
        #expect(result.status == 1, "\(result.summary)")
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("error: \(file): "), "\(result.standardError)")
        #expect(result.standardError.contains(needle), "\(needle): \(result.standardError)")
        #expect(!scratch.exists("table.json"))
    }

    @Test func calibrateWritesAPartAndMergeWritesTheTable() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-calib-merge")
        defer { scratch.remove() }
        let part = try part(scratch, "part.json", ["--calib-method", "percentile"])
        let text = try String(contentsOfFile: part, encoding: .utf8)
        #expect(text.hasPrefix("{\n  \"format\" : \"qdqc-calibration-state\",\n  \"formatVersion\" : 1,\n"))
        let table = scratch.path("table.json")
        let result = try Qdqc.run(["calib-merge", part, part, "-o", table])
        try #require(result.succeeded, "\(result.summary)")
        #expect(result.standardError.contains("2 parts, 4 samples"))
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: table))) as? [String: Any]
        #expect(json?["format"] as? String == "qdqc-calibration-table")
        #expect(json?["sampleCount"] as? Int == 4)
    }

    @Test func partsOfAnotherModelMethodOrOptionsAreRefused() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-calib-merge")
        defer { scratch.remove() }
        let base = try part(scratch, "base.json", ["--calib-method", "percentile"])
        let otherMethod = try part(scratch, "minmax.json")
        let otherOptions = try part(scratch, "p99.json", ["--calib-method", "percentile", "--calib-percentile", "99"])
        // Another model: the merge compares model hashes before anything else.
        let otherModelFile = try scratch.write(Data(TinyModels.reluTimesTwo.utf8), to: "other.onnxtxt")
        let otherModel = scratch.path("other-model.json")
        let result = try Qdqc.run([
            "calibrate", otherModelFile, "--calib-random", "-o", otherModel, "--calib-method", "percentile", "--quiet",
        ])
        try #require(result.succeeded, "\(result.summary)")
        try expectRefusal([base, otherModel], file: otherModel, "another model", in: scratch)
        try expectRefusal([base, otherMethod], file: otherMethod, "method minmax", in: scratch)
        try expectRefusal([otherOptions, base], file: base, "percentile=99.999", in: scratch)
    }

    @Test func damagedPartsAndOtherVersionsAreRefused() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-calib-merge")
        defer { scratch.remove() }
        let good = try part(scratch, "good.json")
        let text = try String(contentsOfFile: good, encoding: .utf8)
        let finite = try #require(text.range(of: "\"finite\" : "))
        let digit = text[finite.upperBound]
        let tampered = text.replacingCharacters(
            in: finite.upperBound..<text.index(after: finite.upperBound), with: digit == "1" ? "2" : "1")
        for (name, content, needle) in [
            ("truncated.json", String(text.prefix(text.count * 2 / 3)), "not valid JSON"),
            ("tampered.json", tampered, "checksum mismatch"),
            (
                "version.json", text.replacingOccurrences(of: "\"formatVersion\" : 1", with: "\"formatVersion\" : 7"),
                "reads calibration state version 1, not 7"
            ),
            ("table.json.part", "{\"format\": \"qdqc-calibration-table\", \"formatVersion\": 1}", "format"),
        ] {
            let path = try scratch.write(Data(content.utf8), to: name)
            try expectRefusal([good, path], file: path, needle, in: scratch)
        }
        try expectRefusal(
            [good, scratch.path("missing.json")], file: scratch.path("missing.json"), "cannot read", in: scratch)
    }

    @Test func usageErrors() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-calib-merge")
        defer { scratch.remove() }
        let output = scratch.path("part.json")
        for (arguments, needle) in [
            (["calib-merge", "-o", output], "at least one part"),
            (["calibrate", model, "-o", output], "--calib-data"),
            (["calibrate", model, "-o", output, "--calib-data", calib, "--calib-table", "t.json"], "--calib-table"),
            (
                ["calibrate", model, "-o", output, "--calib-data", calib, "--calib-option", "averaging=mean"],
                "averaging"
            ),
            (
                ["calibrate", model, "-o", output, "--calib-data", calib, "--calib-known-range", "t.json"],
                "known-range"
            ),
        ] {
            let result = try Qdqc.run(arguments)
            #expect(result.status == 64, "\(arguments): \(result.summary)")
            #expect(result.standardError.contains(needle), "\(arguments): \(result.standardError)")
            #expect(!scratch.exists("part.json"))
        }
    }

    @Test func aTableWithoutSamplesMustMatchTheRun() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-calib-merge")
        defer { scratch.remove() }
        let table = scratch.path("table.json")
        let merged = try Qdqc.run(["calib-merge", try part(scratch, "part.json"), "-o", table])
        try #require(merged.succeeded, "\(merged.summary)")
        let output = scratch.path("out.onnx")
        let other = try Qdqc.run([
            model, "-o", output, "--calib-table", table, "--calib-method", "percentile", "--quiet",
        ])
        #expect(other.status == 1, "\(other.summary)")
        #expect(
            other.errorLines.count == 1 && other.standardError.contains("\(table): made with method minmax"),
            "\(other.standardError)")
        #expect(other.standardError.contains("cannot be made again"))
        #expect(!scratch.exists("out.onnx"))
        let good = try Qdqc.run([model, "-o", output, "--calib-table", table])
        #expect(good.succeeded, "\(good.summary)")
    }
}
