import Foundation
import TestSupport
import Testing

/// `compare --perplexity` and convert's `--perplexity` / `--max-perplexity-increase`, on a tiny decoder LM
/// written in the test: token ids → Gather (embedding) → MatMul (LM head) → logits.
@Suite struct PerplexityCommandTests {
    /// The documented exit status of a failed accuracy gate (docs/cli.md).
    static let gateFailed: Int32 = 3
    /// Token 8 is a start token whose embedding is an outlier (1000 in a dimension the head ignores), so
    /// an activation scale fitted to it rounds every other token's embedding (1.0) to zero: a quantized
    /// model that forgets the text, which the perplexity gate must catch. Token 9 has an embedding but
    /// no logit (ids past the logits' vocabulary).
    static let start: Int64 = 8

    /// The model: vocabulary `vocabulary` (8, or more to disagree with the usual one), embedding rows 0..9 of width 9;
    /// the head gives logit 5 to the token after the current one (t + 1 mod 8).
    static func modelText(vocabulary: Int = 8) -> String {
        var embedding = [[Double]](repeating: [Double](repeating: 0, count: 9), count: 10)
        for token in 0..<8 { embedding[token][token] = 1 }
        embedding[8][8] = 1000
        var head = [[Double]](repeating: [Double](repeating: 0, count: vocabulary), count: 9)
        for token in 0..<8 { head[token][(token + 1) % 8] = 5 }
        func values(_ rows: [[Double]]) -> String { rows.flatMap { $0 }.map { "\($0)" }.joined(separator: ", ") }
        return """
            <
               ir_version: 8,
               opset_import: ["" : 17]
            >
            lm (int64[1,6] input_ids) => (float[1,6,\(vocabulary)] logits, float[1,6] scores)
               <float[10,9] embedding = {\(values(embedding))}, float[9,\(vocabulary)] head = {\(values(head))}>
            {
               hidden = Gather (embedding, input_ids)
               logits = MatMul (hidden, head)
               scores = ReduceMax <axes = [-1], keepdims = 0> (logits)
            }
            """
    }

    /// Eight sequences: the start token, then five tokens counting up from 0..7 (mod 8).
    static let sequences: [[Int64]] = (0..<8).map { first in [start] + (0..<5).map { Int64((first + $0) % 8) } }

    /// A scratch folder with `lm.onnxtxt` and `data/` (one folder per sample with `input_ids.npy`).
    private struct Fixture {
        let scratch: TemporaryDirectory
        var model: String { scratch.file("lm.onnxtxt").path }
        var data: String { scratch.file("data").path }

        init(sequences: [[Int64]] = PerplexityCommandTests.sequences) throws {
            scratch = try TemporaryDirectory(prefix: "qdqc-perplexity")
            try Data(PerplexityCommandTests.modelText().utf8).write(to: scratch.file("lm.onnxtxt"))
            try Self.writeSamples(sequences, to: scratch.file("data"))
        }

        static func writeSamples(_ sequences: [[Int64]], to folder: URL) throws {
            for (index, tokens) in sequences.enumerated() {
                let sample = folder.appendingPathComponent(String(format: "%04d", index))
                try FileManager.default.createDirectory(at: sample, withIntermediateDirectories: true)
                try Int64Npy.data(tokens, shape: [1, tokens.count]).write(
                    to: sample.appendingPathComponent("input_ids.npy"))
            }
        }
    }

    /// numpy's perplexity of the float model over `data`: the model computed as emb[ids] @ head in float64.
    private func numpyPerplexity(_ fixture: Fixture, prompt: Int) throws -> Double {
        let code = """
            import glob, math, os, sys, numpy as np
            data, p = sys.argv[1], int(sys.argv[2])
            emb = np.zeros((10, 9)); head = np.zeros((9, 8))
            for t in range(8):
                emb[t, t] = 1.0
                head[t, (t + 1) % 8] = 5.0
            emb[8, 8] = 1000.0
            total, count = 0.0, 0
            for f in sorted(glob.glob(os.path.join(data, '*', 'input_ids.npy'))):
                ids = np.load(f)
                x = emb[ids] @ head
                m = x.max(axis=-1, keepdims=True)
                logp = x - (m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True)))
                tgt = ids[:, p:]
                total -= np.take_along_axis(logp[:, p - 1:-1], tgt[..., None], axis=-1).sum()
                count += tgt.size
            print(repr(math.exp(total / count)))
            """
        let run = try Python.runCode(code, [fixture.data, String(prompt)])
        try #require(run.succeeded, "\(run.summary)")
        return try #require(Double(run.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    private static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    private static func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    @Test func compareOfAModelWithItselfGivesNumpysPerplexityAndNoIncrease() throws {
        let fixture = try Fixture()
        defer { fixture.scratch.remove() }
        for prompt in [1, 2] {
            var arguments = ["compare", fixture.model, fixture.model, "--data", fixture.data, "--quiet", "--json"]
            arguments += ["--perplexity", "input_ids"] + (prompt == 1 ? [] : ["--prompt-tokens", "\(prompt)"])
            let run = try Qdqc.run(arguments)
            try #require(run.succeeded, "\(run.summary)")
            let perplexity = try #require(try Self.json(run.standardOutput)["perplexity"] as? [String: Any])
            let expected = try numpyPerplexity(fixture, prompt: prompt)
            let float = try #require(perplexity["float"] as? Double)
            #expect(abs(float - expected) / expected < 1e-9, "prompt \(prompt): qdqc \(float), numpy \(expected)")
            #expect(perplexity["quantized"] as? Double == float)
            #expect(perplexity["relativeIncrease"] as? Double == 0)
            #expect(perplexity["targetTokens"] as? Int == 8 * (6 - prompt))
            #expect(perplexity["sequences"] as? Int == 8)
            #expect(perplexity["promptTokens"] as? Int == prompt)
            #expect(perplexity["logits"] as? String == "logits" && perplexity["tokens"] as? String == "input_ids")
        }
        // Without the start token's uniform first prediction the model is nearly sure: (e⁵ + 7) / e⁵.
        #expect(abs(try numpyPerplexity(fixture, prompt: 2) - (exp(5.0) + 7) / exp(5.0)) < 1e-12)
    }

    @Test func theGateRefusesAQuantizedModelThatLostTheTextAndPassesAGenerousBar() throws {
        let fixture = try Fixture()
        defer { fixture.scratch.remove() }
        let output = fixture.scratch.file("out.onnx")
        let report = fixture.scratch.file("report.json")
        let common = [
            fixture.model, "-o", output.path, "--calib-data", fixture.data, "--eval-data", fixture.data,
            "--perplexity", "input_ids",
        ]
        let failing = try Qdqc.run(common + ["--max-perplexity-increase", "0.05", "--report", report.path, "--quiet"])
        #expect(failing.status == Self.gateFailed, "\(failing.summary)")
        #expect(
            failing.standardError.hasPrefix("error: \(fixture.model): accuracy gate failed: perplexity 'input_ids' "),
            "\(failing.standardError)")
        #expect(failing.standardError.contains("> --max-perplexity-increase 0.05; \(output.path) not written"))
        #expect(failing.errorLines.count == 1, "\(failing.standardError)")
        #expect(!FileManager.default.fileExists(atPath: output.path), "no output on a failed gate")

        let schema = RepositoryPaths.root.appendingPathComponent("schemas/report.schema.json").path
        let validation = try Python.runScript("validate_json_schema.py", [schema, report.path])
        #expect(validation.succeeded, "the report breaks schemas/report.schema.json:\n\(validation.summary)")
        let object = try Self.json(report)
        let evaluation = try #require(object["evaluation"] as? [String: Any])
        let perplexity = try #require(evaluation["perplexity"] as? [String: Any])
        let float = try #require(perplexity["float"] as? Double)
        let quantized = try #require(perplexity["quantized"] as? Double)
        let increase = try #require(perplexity["relativeIncrease"] as? Double)
        #expect(abs(float - (try numpyPerplexity(fixture, prompt: 1))) < 1e-9)
        #expect(quantized > 2 * float, "the outlier should wipe out the text: float \(float), quantized \(quantized)")
        #expect(abs(increase - (quantized / float - 1)) < 1e-9)
        let gate = try #require(object["gate"] as? [String: Any])
        #expect(gate["passed"] as? Bool == false)
        let check = try #require((gate["checks"] as? [[String: Any]])?.first)
        #expect(check["check"] as? String == "max-perplexity-increase")
        #expect(check["subject"] as? String == "input_ids")
        #expect(check["bar"] as? Double == 0.05 && check["value"] as? Double == increase)
        #expect(check["floatMetric"] as? Double == float && check["quantizedMetric"] as? Double == quantized)

        let bar = String(format: "%.6f", increase + 0.01)
        let passing = try Qdqc.run(common + ["--max-perplexity-increase", bar])
        #expect(passing.status == 0, "\(passing.summary)")
        #expect(FileManager.default.fileExists(atPath: output.path))
        #expect(passing.standardError.contains("accuracy: perplexity: float "), "\(passing.standardError)")

        // compare prints the same numbers for the written model, under the per-tensor table.
        let page = fixture.scratch.file("compare.html")
        let compare = try Qdqc.run([
            "compare", fixture.model, output.path, "--data", fixture.data, "--perplexity", "input_ids", "--quiet",
            "--html", page.path,
        ])
        try #require(compare.succeeded, "\(compare.summary)")
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(html.contains("<strong>perplexity: float \(String(format: "%.2f", float)), quantized"))
        let last = compare.standardOutput.split(separator: "\n").last.map(String.init) ?? ""
        #expect(
            last.hasPrefix(
                "perplexity: float \(String(format: "%.2f", float)), quantized "
                    + "\(String(format: "%.2f", quantized)) (+"), "\(compare.standardOutput)")
    }

    @Test func perplexityAloneIsMeasuredAndPrintedWithoutABar() throws {
        let fixture = try Fixture()
        defer { fixture.scratch.remove() }
        let run = try Qdqc.run([
            fixture.model, "-o", fixture.scratch.file("out.onnx").path, "--calib-data", fixture.data,
            "--calib-samples", "4", "--perplexity", "input_ids", "--prompt-tokens", "2",
        ])
        #expect(run.status == 0, "\(run.summary)")
        #expect(run.standardError.contains("accuracy: perplexity: float "), "\(run.standardError)")
        #expect(run.standardError.contains("over 16 next tokens of 4 sequence(s)"), "held-back samples 4..<8")
    }

    @Test func mistakesAreOneLineErrorsNamingTheTensorAndTheFile() throws {
        let fixture = try Fixture()
        defer { fixture.scratch.remove() }
        func compare(_ extra: [String], quantized: String? = nil, data: String? = nil) throws -> ProcessResult {
            try Qdqc.run(
                ["compare", fixture.model, quantized ?? fixture.model, "--data", data ?? fixture.data, "--quiet"]
                    + extra)
        }
        let missing = try compare(["--perplexity", "ids"])
        #expect(missing.status == 1)
        #expect(
            missing.standardError
                == "error: \(fixture.model): --perplexity 'ids' is not an input of the model (its inputs: input_ids)\n")

        let rank = try compare(["--perplexity", "input_ids", "--logits", "scores"])
        #expect(rank.status == 1)
        #expect(rank.errorLines.count == 1)
        #expect(rank.standardError.contains("logits 'scores' of \(fixture.model) have shape [1, 6], expected"))
        #expect(rank.standardError.contains("/data/0000: "), "names the sample's file: \(rank.standardError)")

        let wide = fixture.scratch.file("wide.onnxtxt")
        try Data(Self.modelText(vocabulary: 9).utf8).write(to: wide)
        let vocabulary = try compare(["--perplexity", "input_ids"], quantized: wide.path)
        #expect(vocabulary.status == 1)
        #expect(
            vocabulary.standardError
                == "error: \(wide.path): logits 'logits' have a vocabulary of 9, but logits 'logits' of "
                + "\(fixture.model) have 8\n")

        let outside = fixture.scratch.file("outside")
        try Fixture.writeSamples([[Self.start, 1, 9, 3, 4, 5]], to: outside)
        let range = try compare(["--perplexity", "input_ids"], data: outside.path)
        #expect(range.status == 1)
        #expect(
            range.standardError
                == "error: \(outside.path)/0000: token ids 'input_ids' hold 9 at [0, 2], outside the vocabulary of "
                + "logits 'logits' (0..<8)\n")
        // The start token is never a target, so 8 at position 0 is fine; at position 1 it is not.
        let late = fixture.scratch.file("late")
        try Fixture.writeSamples([[0, Self.start, 1, 2, 3, 4]], to: late)
        #expect(try compare(["--perplexity", "input_ids"], data: late.path).standardError.contains("hold 8 at [0, 1]"))
        #expect(try compare(["--perplexity", "input_ids", "--prompt-tokens", "2"], data: late.path).succeeded)
        let short = try compare(["--perplexity", "input_ids", "--prompt-tokens", "6"])
        #expect(short.status == 1 && short.standardError.contains("no token is left to predict"))
    }

    @Test func flagsAreCheckedAsUsage() throws {
        let fixture = try Fixture()
        defer { fixture.scratch.remove() }
        let convert = [fixture.model, "-o", fixture.scratch.file("out.onnx").path, "--calib-data", fixture.data]
        for (extra, message) in [
            (["--max-perplexity-increase", "0.1"], "--max-perplexity-increase needs --perplexity"),
            (["--perplexity", "input_ids", "--max-perplexity-increase=-1"], "--max-perplexity-increase must be"),
            (["--prompt-tokens", "2"], "--prompt-tokens needs --perplexity"),
            (["--perplexity", "input_ids", "--prompt-tokens", "0"], "--prompt-tokens must be at least 1"),
            (["--logits", "logits"], "--logits needs --perplexity"),
        ] {
            let run = try Qdqc.run(convert + extra)
            #expect(run.status == 64, "\(extra): \(run.summary)")
            #expect(run.standardError.contains(message), "\(extra): \(run.standardError)")
        }
        let noOutput = try Qdqc.run([fixture.model, "--perplexity", "input_ids", "--calib-data", fixture.data])
        #expect(noOutput.status == 64 && noOutput.standardError.contains("--perplexity needs -o/--output"))
        let compareUsage = try Qdqc.run([
            "compare", fixture.model, fixture.model, "--data", fixture.data, "--prompt-tokens", "2",
        ])
        #expect(compareUsage.status == 64)
        let help = try Qdqc.run(["convert", "--help"])
        for flag in ["--perplexity", "--prompt-tokens", "--logits", "--max-perplexity-increase"] {
            #expect(help.standardOutput.contains(flag), "convert help lacks \(flag)")
        }
        let compareHelp = try Qdqc.run(["compare", "--help"])
        #expect(compareHelp.standardOutput.contains("--perplexity") && compareHelp.standardOutput.contains("--logits"))
    }
}
