import Foundation
import TestSupport
import Testing

/// `--mixed-precision` on a weight-only int4 model with `--max-perplexity-increase` as the target: the one
/// weight int4 ruins is raised to int8 (not float), its cost counted in weight bytes, and a bound out of reach
/// fails with status 3.
@Suite struct MixedPrecisionWeightOnlyTests {
    @Test func thePerplexityTargetIsReachedByStoringTheOutlierWeightInInt8() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-mixed-int4")
        defer { scratch.remove() }
        let (model, data) = try OutlierLanguageModel.write(in: scratch)
        // Plain int4 misses the 5% bar: the gate alone fails.
        let plain = try Qdqc.run([
            model, "-o", scratch.path("plain.onnx"), "--activations", "none", "--weights", "int4", "--block-size",
            "4", "--eval-data", data, "--perplexity", "input_ids", "--max-perplexity-increase", "0.05",
        ])
        #expect(plain.status == 3, "\(plain.summary)")
        var outputs: [Data] = []
        for name in ["a", "b"] {
            let run = try Qdqc.run(
                OutlierLanguageModel.mixedPrecisionArguments(
                    model: model, data: data, output: scratch.path("\(name).onnx"),
                    report: scratch.path("\(name).json"),
                    maxIncrease: "0.05", bound: "0.85"))
            try #require(run.status == 0, "\(run.summary)")
            #expect(run.standardError.contains("mixed precision: target reached"), "\(run.standardError)")
            #expect(run.standardError.contains("raised weight 'w1' to 8 bits"), "\(run.standardError)")
            try MixedPrecisionTests.validate(scratch.path("\(name).json"))
            outputs.append(try Data(contentsOf: scratch.file("\(name).onnx")))
        }
        #expect(outputs[0] == outputs[1], "deterministic: the same bytes twice")
        let report = try MixedPrecisionTests.json(scratch.path("a.json"))
        let mixed = try #require(report["mixedPrecision"] as? [String: Any])
        #expect(mixed["reached"] as? Bool == true)
        #expect(mixed["boundedBy"] as? String == "bytes")
        let raised = try #require(mixed["raised"] as? [[String: Any]])
        #expect(raised.count == 1, "\(raised)")
        #expect(raised.first?["tensor"] as? String == "w1")
        #expect(raised.first?["kind"] as? String == "weight")
        #expect(raised.first?["precision"] as? String == "wide", "int8 is enough: \(raised)")
        #expect(raised.first?["bytes"] as? Int == 128, "128 int8 codes")
        // w1 in int8 (128 bytes) beside the head in int4 (64 codes, 32 bytes): 80% of the weight bytes.
        #expect(mixed["wideBytes"] as? Int == 128)
        #expect(mixed["weightBytes"] as? Int == 160)
        #expect(abs((mixed["wideByteFraction"] as? Double ?? 0) - 0.8) < 1e-9)
        let float = try #require(mixed["floatPerplexity"] as? Double)
        let before = try #require(mixed["perplexityBefore"] as? Double)
        let after = try #require(mixed["perplexityAfter"] as? Double)
        #expect(before > float * 2, "int4 forgets the text: \(before) against \(float)")
        #expect(after <= float * 1.05, "\(after) against \(float)")
        // The gate measures the written model on the same samples: the same perplexity as the search's.
        let perplexity = try #require(
            (report["evaluation"] as? [String: Any])?["perplexity"] as? [String: Any])
        let quantized = try #require(perplexity["quantized"] as? Double)
        #expect(abs(quantized - after) < 1e-9 * after, "search \(after), gate \(quantized)")
    }

    @Test func aPerplexityBoundOutOfReachFailsWithStatus3AndSaysWhatWasLacking() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-mixed-int4-fail")
        defer { scratch.remove() }
        let (model, data) = try OutlierLanguageModel.write(in: scratch)
        // int8 leaves about 1.4% more perplexity; float would take 94% of the weight bytes, over the bound.
        let run = try Qdqc.run(
            OutlierLanguageModel.mixedPrecisionArguments(
                model: model, data: data, output: scratch.path("out.onnx"), report: scratch.path("r.json"),
                maxIncrease: "0.001", bound: "0.85"))
        #expect(run.status == 3, "\(run.summary)")
        #expect(run.standardError.contains("mixed precision: target NOT reached"), "\(run.standardError)")
        #expect(run.standardError.contains("best model found: perplexity"), "\(run.standardError)")
        #expect(!scratch.exists("out.onnx"), "no output, as for any failed gate")
        let mixed = try #require(
            try MixedPrecisionTests.json(scratch.path("r.json"))["mixedPrecision"] as? [String: Any])
        #expect(mixed["reached"] as? Bool == false)
        #expect((mixed["lacking"] as? String)?.contains("--max-perplexity-increase 0.001") == true, "\(mixed)")
        #expect((mixed["lacking"] as? String)?.contains("of weight bytes wide (bound 85%)") == true, "\(mixed)")
        #expect(mixed["overBound"] as? [String] == ["w1"], "w1's step to float is over the bound")
        #expect((mixed["wideByteFraction"] as? Double ?? 1) <= 0.85)
    }

    @Test func anSQNRTargetOnAWeightOnlyModelAlsoStepsTo8BitsUnderTheBytesBound() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-mixed-int4-sqnr")
        defer { scratch.remove() }
        let (model, data) = try OutlierLanguageModel.write(in: scratch)
        // int4 leaves the logits at 0 dB, int8 at about 25 dB.
        let run = try Qdqc.run([
            model, "-o", scratch.path("out.onnx"), "--activations", "none", "--weights", "int4", "--block-size", "4",
            "--eval-data", data, "--min-sqnr", "20", "--mixed-precision", "--max-wide-fraction", "0.85", "--report",
            scratch.path("r.json"),
        ])
        try #require(run.status == 0, "\(run.summary)")
        let mixed = try #require(
            try MixedPrecisionTests.json(scratch.path("r.json"))["mixedPrecision"] as? [String: Any])
        #expect(mixed["boundedBy"] as? String == "bytes")
        let raised = try #require(mixed["raised"] as? [[String: Any]])
        #expect(raised.map { $0["tensor"] as? String } == ["w1"], "\(raised)")
        #expect(raised.first?["precision"] as? String == "wide")
        #expect(mixed["maxPerplexityIncrease"] == nil)
    }

    @Test func aPerplexityBarAlreadyMetRaisesNothing() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-mixed-int4-met")
        defer { scratch.remove() }
        let (model, data) = try OutlierLanguageModel.write(in: scratch)
        let run = try Qdqc.run(
            OutlierLanguageModel.mixedPrecisionArguments(
                model: model, data: data, output: scratch.path("out.onnx"), report: scratch.path("r.json"),
                maxIncrease: "10", bound: "0.1"))
        try #require(run.status == 0, "\(run.summary)")
        let mixed = try #require(
            try MixedPrecisionTests.json(scratch.path("r.json"))["mixedPrecision"] as? [String: Any])
        #expect(mixed["reached"] as? Bool == true)
        #expect((mixed["raised"] as? [Any])?.isEmpty == true)
        #expect(mixed["boundedBy"] as? String == "bytes")
        #expect(mixed["wideByteFraction"] as? Double == 0)
    }

    @Test func aPerplexityTargetIsCheckedAsUsage() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-mixed-int4-usage")
        defer { scratch.remove() }
        let (model, data) = try OutlierLanguageModel.write(in: scratch)
        let base = [model, "-o", scratch.path("out.onnx"), "--activations", "none", "--eval-data", data]
        let both = try Qdqc.run(
            base + [
                "--perplexity", "input_ids", "--max-perplexity-increase", "0.05", "--min-sqnr", "20",
                "--mixed-precision",
            ])
        #expect(both.status == 64, "\(both.summary)")
        #expect(both.standardError.contains("not both"), "\(both.standardError)")
        let noTokens = try Qdqc.run(base + ["--max-perplexity-increase", "0.05", "--mixed-precision"])
        #expect(noTokens.status == 64, "\(noTokens.summary)")
        #expect(!scratch.exists("out.onnx"))
    }
}
