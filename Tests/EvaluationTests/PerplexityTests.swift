import Calibration
import Evaluation
import Foundation
import OnnxIR
import OnnxInterpreter
import OnnxText
import TestSupport
import Testing

/// Next-token perplexity: the log-softmax, the target alignment, and the checks that name tensors and files.
@Suite struct PerplexityTests {
    /// A decoder-shaped model: token ids `[1, 3]` in, logits `[1, 3, 4]` out (the weights do not matter here).
    static let modelText = """
        <
           ir_version: 8,
           opset_import: ["" : 17]
        >
        lm (int64[1,3] input_ids) => (float[1,3,4] logits, float[1,3] scores)
           <float[5,4] table = {0,0,0,0, 1,0,0,0, 0,1,0,0, 0,0,1,0, 0,0,0,1}>
        {
           logits = Gather (table, input_ids)
           scores = ReduceMax <axes = [-1], keepdims = 0> (logits)
        }
        """

    private static func nll(_ row: [Float], _ target: Int) -> Double {
        row.withUnsafeBufferPointer { NextTokenLikelihood.negativeLogLikelihood(row: $0, target: target) }
    }

    @Test func logSoftmaxOfARowWithKnownProbabilities() {
        // Logits log(1..4) are probabilities 0.1, 0.2, 0.3, 0.4 after softmax.
        let row = [1, 2, 3, 4].map { Float(log(Double($0))) }
        for target in 0..<4 {
            let expected = -log(Double(target + 1) / 10)
            #expect(abs(Self.nll(row, target) - expected) < 1e-6, "target \(target)")
        }
    }

    @Test func hugeLogitsStayFiniteAndShiftInvariant() {
        // exp(1003) overflows even a Double: only the max-shifted sum keeps this finite.
        let expected = log(1 + exp(1.0) + exp(2.0) + exp(3.0)) - 3
        #expect(abs(Self.nll([0, 1, 2, 3], 3) - expected) < 1e-12)
        #expect(abs(Self.nll([1000, 1001, 1002, 1003], 3) - expected) < 1e-12)
        #expect(abs(Self.nll([-1000, -999, -998, -997], 3) - expected) < 1e-12)
        #expect(Self.nll([0, .nan, 1], 0).isNaN)
        #expect(Self.nll([0, .infinity, 1], 0).isNaN)
        #expect(Self.nll([0, -.infinity, 1], 1) == .infinity)
    }

    @Test func targetsAreTheNextTokensAfterThePrompt() {
        // Row 0 gives 0.1..0.4, row 1 is uniform, row 2 (the last position) predicts nothing.
        let rows: [[Double]] = [[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25], [0.97, 0.01, 0.01, 0.01]]
        let logits = rows.flatMap { $0.map { Float(log($0)) } }
        let tokens: [Int64] = [2, 3, 1]
        func perplexity(prompt: Int) -> Double {
            var sums = NextTokenLikelihood()
            let sum = logits.withUnsafeBufferPointer {
                NextTokenLikelihood.batchSum(
                    logits: $0, tokens: tokens, batch: 1, sequence: 3, vocabulary: 4, promptTokens: prompt)
            }
            sums.add(sum: sum, targets: 3 - prompt, sequences: 1)
            return sums.perplexity
        }
        // prompt 1: token 3 from row 0 (0.4) and token 1 from row 1 (0.25): exp(−(ln 0.4 + ln 0.25)/2) = √10.
        #expect(abs(perplexity(prompt: 1) - 10.0.squareRoot()) < 1e-5)
        // prompt 2: only token 1 from row 1.
        #expect(abs(perplexity(prompt: 2) - 4) < 1e-5)
    }

    @Test func uniformLogitsHaveThePerplexityOfTheVocabulary() {
        let (batch, sequence, vocabulary) = (2, 5, 7)
        let logits = [Float](repeating: 0.5, count: batch * sequence * vocabulary)
        let tokens = (0..<(batch * sequence)).map { Int64($0 % vocabulary) }
        var sums = NextTokenLikelihood()
        let sum = logits.withUnsafeBufferPointer {
            NextTokenLikelihood.batchSum(
                logits: $0, tokens: tokens, batch: batch, sequence: sequence, vocabulary: vocabulary, promptTokens: 1)
        }
        sums.add(sum: sum, targets: batch * (sequence - 1), sequences: batch)
        #expect(abs(sums.perplexity - 7) < 1e-12)
        #expect(sums.targetCount == 8 && sums.sequenceCount == 2)
        #expect(NextTokenLikelihood().perplexity.isNaN, "no target: no perplexity")
    }

    @Test func agreesWithNumpyOnRandomLogits() throws {
        let (batch, sequence, vocabulary, prompt) = (2, 9, 13, 3)
        var random = SplitMix(seed: 42)
        let logits = (0..<(batch * sequence * vocabulary)).map { _ in Float(random.unit() * 16 - 8) }
        let tokens = (0..<(batch * sequence)).map { _ in Int64(random.next() % UInt64(vocabulary)) }
        let sum = logits.withUnsafeBufferPointer {
            NextTokenLikelihood.batchSum(
                logits: $0, tokens: tokens, batch: batch, sequence: sequence, vocabulary: vocabulary,
                promptTokens: prompt)
        }
        var sums = NextTokenLikelihood()
        sums.add(sum: sum, targets: batch * (sequence - prompt), sequences: batch)
        let code = """
            import sys, numpy as np
            b, s, v, p = 2, 9, 13, 3
            x = np.array([float(t) for t in sys.argv[1].split(',')], dtype=np.float32).reshape(b, s, v)
            ids = np.array([int(t) for t in sys.argv[2].split(',')], dtype=np.int64).reshape(b, s)
            x = x.astype(np.float64)
            m = x.max(axis=-1, keepdims=True)
            logp = x - (m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True)))
            pred = logp[:, p - 1:s - 1, :]
            tgt = ids[:, p:]
            nll = -np.take_along_axis(pred, tgt[..., None], axis=-1)[..., 0]
            print(repr(float(np.exp(nll.mean()))))
            """
        let run = try Python.runCode(
            code, [logits.map { "\($0)" }.joined(separator: ","), tokens.map(String.init).joined(separator: ",")])
        try #require(run.succeeded, "\(run.summary)")
        let numpy = try #require(Double(run.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(abs(sums.perplexity - numpy) / numpy < 1e-12, "qdqc \(sums.perplexity), numpy \(numpy)")
    }

    @Test func theComparisonReportsBothPerplexitiesAndTheRelativeIncrease() throws {
        let model = try TextParser.parseModel(Self.modelText)
        var meter = try PerplexityMeter(
            settings: PerplexitySettings(tokens: "input_ids"), float: model, floatName: "f.onnx", quantized: model,
            quantizedName: "q.onnx")
        #expect(meter.floatLogits == "logits" && meter.quantizedLogits == "logits")
        // Float: uniform over 4 (perplexity 4); quantized: target probability 1/8 everywhere (perplexity 8).
        let uniform = try NDArray(floats: [Float](repeating: 0, count: 12), shape: [1, 3, 4])
        let skewed = try NDArray(
            floats: [Float](repeating: 0, count: 12).enumerated().map { $0.offset % 4 == 0 ? Float(log(5.0)) : 0 },
            shape: [1, 3, 4])
        try meter.add(
            sample: try Self.sample([0, 1, 2]), floatOutputs: ["logits": uniform], quantizedOutputs: ["logits": skewed])
        let result = try meter.result()
        #expect(abs(result.float - 4) < 1e-9)
        #expect(abs(result.quantized - 8) < 1e-6)
        #expect(abs(result.relativeIncrease - 1) < 1e-6)
        #expect(result.targetTokens == 2 && result.sequences == 1 && result.promptTokens == 1)
        #expect(result.summary.hasPrefix("perplexity: float 4.00, quantized 8.00 (+100.00%) over 2 next tokens"))
    }

    @Test func mistakesAreOneLineNamingTheTensorAndTheFile() throws {
        let model = try TextParser.parseModel(Self.modelText)
        #expect(throws: PerplexityError.notAnInput(name: "ids", model: "f.onnx", inputs: ["input_ids"])) {
            try PerplexityMeter(
                settings: PerplexitySettings(tokens: "ids"), float: model, floatName: "f.onnx", quantized: model,
                quantizedName: "q.onnx")
        }
        #expect(throws: PerplexityError.notAnOutput(name: "z", model: "f.onnx", outputs: ["logits", "scores"])) {
            try PerplexityMeter(
                settings: PerplexitySettings(tokens: "input_ids", logits: "z"), float: model, floatName: "f.onnx",
                quantized: model, quantizedName: "q.onnx")
        }
        let good = try NDArray(floats: [Float](repeating: 0, count: 12), shape: [1, 3, 4])
        func failure(
            _ tokens: [Int64], settings: PerplexitySettings = PerplexitySettings(tokens: "input_ids"),
            float: NDArray? = nil, quantized: NDArray? = nil
        ) throws -> String {
            var meter = try PerplexityMeter(
                settings: settings, float: model, floatName: "f.onnx", quantized: model, quantizedName: "q.onnx")
            do {
                let name = meter.floatLogits
                try meter.add(
                    sample: try Self.sample(tokens), floatOutputs: [name: float ?? good],
                    quantizedOutputs: [name: quantized ?? good])
            } catch let error as PerplexityError {
                return error.description
            }
            return "no error"
        }
        #expect(
            try failure([0, 4, 1])
                == "eval/0003.npz: token ids 'input_ids' hold 4 at [0, 1], outside the vocabulary of logits 'logits' "
                + "(0..<4)")
        #expect(
            try failure([0, 1, 4], settings: PerplexitySettings(tokens: "input_ids", promptTokens: 2)).contains(
                "hold 4 at [0, 2]"))
        #expect(
            try failure([0, 4, 1], settings: PerplexitySettings(tokens: "input_ids", promptTokens: 3))
                .contains("--prompt-tokens 3: no token is left to predict"))
        let wide = try NDArray(floats: [Float](repeating: 0, count: 15), shape: [1, 3, 5])
        #expect(
            try failure([0, 1, 2], quantized: wide)
                == "q.onnx: logits 'logits' have a vocabulary of 5, but logits 'logits' of f.onnx have 4")
        let flat = try NDArray(floats: [0, 0, 0], shape: [1, 3])
        #expect(
            try failure([0, 1, 2], settings: PerplexitySettings(tokens: "input_ids", logits: "scores"), float: flat)
                == "eval/0003.npz: logits 'scores' of f.onnx have shape [1, 3], expected [batch, seq, vocabulary] "
                + "(name the logits output with --logits)")
        var meter = try PerplexityMeter(
            settings: PerplexitySettings(tokens: "input_ids"), float: model, floatName: "f.onnx", quantized: model,
            quantizedName: "q.onnx")
        #expect(throws: PerplexityError.missingTokens(name: "input_ids", file: "eval/0004.npz")) {
            try meter.add(
                sample: CalibrationSample(name: "0004", source: "eval/0004.npz", arrays: [:]),
                floatOutputs: ["logits": good], quantizedOutputs: ["logits": good])
        }
        #expect(throws: PerplexityError.noSamples) { try meter.result() }
        for (arrays, message) in [
            (["input_ids": try NDArray(floats: [0, 1, 2], shape: [1, 3])], "are float, not integers"),
            (["input_ids": try NDArray(int64s: [0, 1, 2], shape: [3])], "have shape [3], expected [batch, seq]"),
        ] {
            do {
                try meter.add(
                    sample: CalibrationSample(name: "0005", source: "eval/0005.npz", arrays: arrays),
                    floatOutputs: ["logits": good], quantizedOutputs: ["logits": good])
                Issue.record("no error for \(message)")
            } catch let error as PerplexityError {
                #expect(error.description == "eval/0005.npz: token ids 'input_ids' \(message)")
            }
        }
        let broken = try NDArray(floats: [Float](repeating: .nan, count: 12), shape: [1, 3, 4])
        #expect(try failure([0, 1, 2], quantized: broken).contains("logits 'logits' of q.onnx give a NaN"))
        for message in [try failure([0, 4, 1]), try failure([0, 1, 2], quantized: wide)] {
            #expect(!message.contains("\n"))
        }
    }

    /// A sample as the sample loop hands it over, from a file named like a dataset's.
    private static func sample(_ tokens: [Int64]) throws -> CalibrationSample {
        CalibrationSample(
            name: "0003", source: "eval/0003.npz",
            arrays: ["input_ids": try NDArray(int64s: tokens, shape: [1, tokens.count])])
    }
}

/// A small seeded generator, so the random logits are the same on every machine.
private struct SplitMix {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
