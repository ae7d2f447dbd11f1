import Foundation
import TestSupport
import Testing

/// `convert --tune` on the bundled digits CNN: the choice, the report, determinism and usage errors.
@Suite struct TuneTests {
    static let model = RepositoryPaths.examples.appendingPathComponent("digits_cnn.onnx").path
    static let calib = RepositoryPaths.examples.appendingPathComponent("digits_cnn.calib").path

    /// Converts on 16 calibration samples, tuning and measuring on the next 8 (held back from calibration).
    private func convert(_ extra: [String], output: String, in scratch: TemporaryDirectory) throws -> ProcessResult {
        try Qdqc.run(
            [
                Self.model, "-o", scratch.path(output), "--calib-data", Self.calib, "--calib-samples", "16",
                "--eval-samples", "8",
            ] + extra)
    }

    /// The report's tuning entry with every `seconds` removed, for comparing runs.
    private static func withoutSeconds(_ value: Any) -> Any {
        if let object = value as? [String: Any] {
            return object.filter { $0.key != "seconds" }.mapValues(withoutSeconds)
        }
        if let array = value as? [Any] { return array.map(withoutSeconds) }
        return value
    }

    @Test func theWrittenModelIsTheBestMeasuredSettingAndTheRunIsDeterministic() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-tune")
        defer { scratch.remove() }
        var reports: [[String: Any]] = []
        for name in ["a", "b"] {
            let run = try convert(
                ["--tune", "--tune-budget", "5", "--report", scratch.path("\(name).json")], output: "\(name).onnx",
                in: scratch)
            try #require(run.status == 0, "\(run.summary)")
            #expect(run.standardError.contains("tune: round 0: --calib-method minmax"), "\(run.standardError)")
            #expect(run.standardError.contains("tune: chose "), "\(run.standardError)")
            try MixedPrecisionTests.validate(scratch.path("\(name).json"))
            reports.append(try MixedPrecisionTests.json(scratch.path("\(name).json")))
        }
        let tuning = try #require(reports[0]["tuning"] as? [String: Any])
        let trials = try #require(tuning["trials"] as? [[String: Any]])
        let measured = trials.filter { $0["outputs"] != nil }
        #expect(measured.count == 5, "the budget of 5 conversions is spent on this model: \(trials)")
        #expect(tuning["conversions"] as? Int == measured.count)
        let chosen = try #require(tuning["chosen"] as? NSDictionary)
        let chosenTrial = try #require(measured.first { ($0["setting"] as? NSDictionary) == chosen })
        let chosenWorst = try #require(chosenTrial["worstSQNR"] as? Double)
        for trial in measured {
            let worst = try #require(trial["worstSQNR"] as? Double)
            #expect(
                worst <= chosenWorst, "\(trial["flags"] ?? "") measured \(worst) dB above the choice's \(chosenWorst)")
        }
        // The written model is the chosen one: the report measures it on the same samples as the search did.
        let evaluation = try #require(reports[0]["evaluation"] as? [String: Any])
        let written = try #require((evaluation["outputs"] as? [[String: Any]])?.compactMap { $0["sqnr"] as? Double })
        let searched = try #require((chosenTrial["outputs"] as? [[String: Any]])?.compactMap { $0["sqnr"] as? Double })
        #expect(written.count == searched.count)
        for (a, b) in zip(written, searched) { #expect(abs(a - b) < 1e-9, "report \(a) dB, search \(b) dB") }
        #expect(
            (reports[0]["pipeline"] as? String)?.contains(
                "method=\((chosen["calibrationMethod"] as? String) ?? "?")") == true
                || chosen["calibrationMethod"] as? String == "minmax",
            "the report's pipeline is the chosen setting's: \(reports[0]["pipeline"] ?? "")")
        // Deterministic: the same trials, the same choice, the same bytes written.
        let first = try #require(Self.withoutSeconds(tuning) as? NSDictionary)
        let second = try #require(Self.withoutSeconds(reports[1]["tuning"] as Any) as? NSDictionary)
        #expect(first == second)
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: scratch.path("a.onnx")))
                == Data(contentsOf: URL(fileURLWithPath: scratch.path("b.onnx"))))
    }

    @Test func equalizationIsTriedOnlyWhereItActs() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-tune-equalize")
        defer { scratch.remove() }
        // Per-channel weights (the default): --equalize would rescale nothing, so it is no neighbour.
        let perChannel = try convert(["--tune", "--tune-budget", "8"], output: "a.onnx", in: scratch)
        try #require(perChannel.status == 0, "\(perChannel.summary)")
        #expect(!perChannel.standardError.contains("--equalize"), "\(perChannel.standardError)")
        let perTensor = try convert(
            ["--tune", "--tune-budget", "8", "--target", "ort", "--per-tensor"], output: "b.onnx", in: scratch)
        try #require(perTensor.status == 0, "\(perTensor.summary)")
        #expect(perTensor.standardError.contains("round 1: --calib-method minmax --equalize: worst"))
    }

    @Test func mixedPrecisionRunsOnTheChosenSetting() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-tune-mixed")
        defer { scratch.remove() }
        let run = try convert(
            [
                "--tune", "--tune-budget", "2", "--min-sqnr", "60", "--mixed-precision", "--keep-on-failure",
                "--report", scratch.path("r.json"),
            ], output: "out.onnx", in: scratch)
        // 60 dB is out of reach within the default bound: the search runs and the gate reports it (status 3).
        try #require(run.status == 3, "\(run.summary)")
        #expect(run.standardError.contains("tune: chose") && run.standardError.contains("mixed precision:"))
        let report = try MixedPrecisionTests.json(scratch.path("r.json"))
        try MixedPrecisionTests.validate(scratch.path("r.json"))
        let tuning = try #require(report["tuning"] as? [String: Any])
        let chosenWorst = try #require(
            (tuning["trials"] as? [[String: Any]])?.first {
                ($0["setting"] as? NSDictionary) == (tuning["chosen"] as? NSDictionary)
            }?[
                "worstSQNR"] as? Double)
        let mixed = try #require(report["mixedPrecision"] as? [String: Any])
        let before = try #require((mixed["before"] as? [[String: Any]])?.compactMap { $0["sqnr"] as? Double }.min())
        #expect(abs(before - chosenWorst) < 1e-9, "mixed precision starts from the chosen conversion")
        let after = try #require((mixed["after"] as? [[String: Any]])?.compactMap { $0["sqnr"] as? Double }.min())
        #expect(after > before, "and raises tensors from there: \(mixed)")
    }

    @Test func tuningNeedsHeldBackSamples() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-tune-held")
        defer { scratch.remove() }
        let run = try Qdqc.run([Self.model, "-o", scratch.path("out.onnx"), "--calib-data", Self.calib, "--tune"])
        #expect(run.status != 0 && run.status != 64, "\(run.summary)")
        #expect(run.standardError.contains("samples calibration did not use"), "\(run.standardError)")
        #expect(!scratch.exists("out.onnx"))
    }

    @Test func nonsenseCombinationsAreUsageErrors() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-tune-usage")
        defer { scratch.remove() }
        let cases: [([String], String)] = [
            (["--tune-budget", "3"], "--tune-budget needs --tune"),
            (["--tune", "--tune-budget", "0"], "at least 1"),
            (["--tune", "--activations", "none"], "static activation"),
            (["--tune", "--activation-scales", "dynamic-per-tensor"], "static activation"),
            (["--tune", "--calib-table", scratch.path("t.json")], "--calib-table"),
            (["--tune", "--pass-timing"], "--pass-timing"),
        ]
        for (extra, message) in cases {
            let run = try convert(extra, output: "out.onnx", in: scratch)
            #expect(run.status == 64, "\(extra): \(run.summary)")
            #expect(run.standardError.contains(message), "\(extra): \(run.standardError)")
        }
        let noData = try Qdqc.run([Self.model, "-o", scratch.path("out.onnx"), "--tune"])
        #expect(noData.status == 64 && noData.standardError.contains("--calib-data"), "\(noData.summary)")
        let noOutput = try Qdqc.run([Self.model, "--calib-data", Self.calib, "--tune"])
        #expect(noOutput.status == 64 && noOutput.standardError.contains("--tune needs -o"), "\(noOutput.summary)")
        #expect(!scratch.exists("out.onnx"))
    }
}
