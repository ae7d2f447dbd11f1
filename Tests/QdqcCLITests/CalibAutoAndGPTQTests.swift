import Foundation
import TestSupport
import Testing

/// `--calib-method auto` and `--weight-method gptq` with static activations (issue 17), as a user runs them.
@Suite struct CalibAutoAndGPTQTests {
    static let digits = RepositoryPaths.examples.appendingPathComponent("digits_cnn.onnx").path
    static let digitsCalib = RepositoryPaths.examples.appendingPathComponent("digits_cnn.calib").path

    /// The output SQNR (dB) of a conversion on `samples` calibration samples, measured by the report on the next
    /// `held` samples (held back from calibration), and the run's standard error.
    private func sqnr(
        model: String, calib: String, samples: Int, held: Int, _ extra: [String], in scratch: TemporaryDirectory,
        name: String
    ) throws -> (sqnr: Double, standardError: String) {
        let report = scratch.path(name + ".json")
        let run = try Qdqc.run(
            [
                model, "-o", scratch.path(name + ".onnx"), "--calib-data", calib, "--calib-samples", String(samples),
                "--eval-samples", String(held), "--report", report, "--pass-statistics",
            ] + extra)
        try #require(run.status == 0, "\(run.summary)")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
        let outputs = try #require((json["evaluation"] as? [String: Any])?["outputs"] as? [[String: Any]])
        let values = outputs.compactMap { $0["sqnr"] as? Double }
        return (try #require(values.min()), run.standardError)
    }

    @Test func autoIsNotWorseThanMinmaxOnTheDigitsCNN() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-auto-digits")
        defer { scratch.remove() }
        let minmax = try sqnr(
            model: Self.digits, calib: Self.digitsCalib, samples: 16, held: 8, [], in: scratch, name: "minmax")
        let auto = try sqnr(
            model: Self.digits, calib: Self.digitsCalib, samples: 16, held: 8, ["--calib-method", "auto"],
            in: scratch, name: "auto")
        #expect(auto.sqnr >= minmax.sqnr - 0.05, "auto \(auto.sqnr) dB, minmax \(minmax.sqnr) dB")
        #expect(auto.standardError.contains("auto-mse"), "the choices are counted: \(auto.standardError)")
    }

    @Test(.enabled(if: RepositoryPaths.sharedModels != nil, "needs the shared models (../shared/models)"))
    func autoIsNotWorseThanMinmaxOnASharedModel() throws {
        let folder = try #require(RepositoryPaths.sharedModels).appendingPathComponent("ppocr_mobile_v2_cls")
        let scratch = try TemporaryDirectory(prefix: "qdqc-auto-ppocr")
        defer { scratch.remove() }
        let model = folder.appendingPathComponent("model.onnx").path
        let calib = folder.appendingPathComponent("calib").path
        // Few samples: a debug build under load is slow.
        let minmax = try sqnr(model: model, calib: calib, samples: 8, held: 4, [], in: scratch, name: "minmax")
        let auto = try sqnr(
            model: model, calib: calib, samples: 8, held: 4, ["--calib-method", "auto"], in: scratch, name: "auto")
        #expect(auto.sqnr >= minmax.sqnr - 0.05, "auto \(auto.sqnr) dB, minmax \(minmax.sqnr) dB")
    }

    @Test func gptqInt8RoundsTheStaticWeightsAndKeepsTheModelAccurate() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-gptq8")
        defer { scratch.remove() }
        let rtn = try sqnr(
            model: Self.digits, calib: Self.digitsCalib, samples: 16, held: 8, [], in: scratch, name: "rtn")
        let gptq = try sqnr(
            model: Self.digits, calib: Self.digitsCalib, samples: 16, held: 8, ["--weight-method", "gptq"],
            in: scratch, name: "gptq")
        let counted = gptq.standardError.split(separator: "\n").first { $0.contains("gptq-weights:") }
        let rounded = counted.flatMap { Int($0.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "") }
        #expect((rounded ?? 0) > 0, "round-weights rounded weights: \(gptq.standardError)")
        #expect(gptq.sqnr >= rtn.sqnr - 0.5, "GPTQ \(gptq.sqnr) dB, round to nearest \(rtn.sqnr) dB")
    }

    @Test func autoStatesMergeIntoAnAutoTable() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-auto-merge")
        defer { scratch.remove() }
        let part = scratch.path("part.json")
        let calibrate = try Qdqc.run([
            "calibrate", Self.digits, "--calib-data", Self.digitsCalib, "--calib-samples", "2", "-o", part, "--quiet",
            "--calib-method", "auto",
        ])
        try #require(calibrate.succeeded, "\(calibrate.summary)")
        let table = scratch.path("table.json")
        let merge = try Qdqc.run(["calib-merge", part, part, "-o", table])
        try #require(merge.succeeded, "\(merge.summary)")
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: table))) as? [String: Any]
        #expect(json?["method"] as? String == "auto")
        let validation = try Python.runScript(
            "validate_json_schema.py",
            [RepositoryPaths.root.appendingPathComponent("schemas/calibration-table.schema.json").path, table])
        #expect(validation.succeeded, "\(validation.summary)")
    }

    /// One `error:` line and a usage status for each bad combination; no output written.
    @Test func badCombinationsAreOneLineErrors() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-auto-gptq-usage")
        defer { scratch.remove() }
        let output = scratch.path("out.onnx")
        let cases: [([String], String)] = [
            ([Self.digits, "-o", output, "--weight-method", "gptq"], "--calib-data"),
            ([Self.digits, "-o", output, "--weight-method", "awq", "--calib-data", Self.digitsCalib], "awq"),
            (
                [
                    Self.digits, "-o", output, "--weight-method", "gptq", "--weights", "int16", "--calib-data",
                    Self.digitsCalib,
                ], "int16"
            ),
            (
                [
                    Self.digits, "-o", output, "--calib-method", "auto", "--calib-option", "format=int16",
                    "--calib-data", Self.digitsCalib,
                ], "format"
            ),
        ]
        for (arguments, needle) in cases {
            let run = try Qdqc.run(arguments)
            #expect(run.status == 64, "\(arguments): \(run.summary)")
            let lines = run.standardError.split(separator: "\n").filter { $0.hasPrefix("error:") }
            #expect(lines.count == 1 && lines[0].contains(needle), "\(arguments): \(run.standardError)")
            #expect(!scratch.exists("out.onnx"))
        }
    }
}
