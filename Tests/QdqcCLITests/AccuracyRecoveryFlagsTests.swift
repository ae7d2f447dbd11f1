import Foundation
import TestSupport
import Testing

/// `--equalize` and `--bias-correction` reach the pipeline, and their usage errors exit 64 before anything is written.
@Suite struct AccuracyRecoveryFlagsTests {
    @Test func biasCorrectionWithoutSamplesIsAUsageError() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-cli")
        defer { workspace.remove() }
        let input = try workspace.write(OnnxFixtures.smallModel(), to: "in.onnx")
        let outcome = try Qdqc.run([input, "-o", workspace.path("out.onnx"), "--bias-correction"])
        #expect(outcome.status == 64, "\(outcome.standardError)")
        #expect(
            outcome.errorLines == [
                "error: --bias-correction needs calibration samples: --calib-data (or --calib-random)"
            ])
        #expect(!workspace.exists("out.onnx"))
    }

    @Test func biasCorrectionWithoutInsertQDQIsAUsageError() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-cli")
        defer { workspace.remove() }
        let input = try workspace.write(OnnxFixtures.smallModel(), to: "in.onnx")
        let outcome = try Qdqc.run([
            input, "-o", workspace.path("out.onnx"), "--calib-random", "--activations", "none", "--bias-correction",
        ])
        #expect(outcome.status == 64, "\(outcome.standardError)")
        #expect(
            outcome.errorLines.first?.contains("the pipeline has no insert-qdq") == true, "\(outcome.standardError)")
        #expect(!workspace.exists("out.onnx"))
    }

    @Test func aBadEqualizeOptionIsAUsageError() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-cli")
        defer { workspace.remove() }
        let input = try workspace.write(OnnxFixtures.smallModel(), to: "in.onnx")
        let outcome = try Qdqc.run([input, "-o", workspace.path("out.onnx"), "--passes", "equalize{iterations=0}"])
        #expect(outcome.status == 64, "\(outcome.standardError)")
        #expect(outcome.errorLines.count == 1, "\(outcome.standardError)")
        #expect(outcome.standardError.contains("iterations"), "\(outcome.standardError)")
        #expect(!workspace.exists("out.onnx"))
    }

    @Test func bothFlagsRunTheirPasses() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-cli")
        defer { workspace.remove() }
        let input = try workspace.write(OnnxFixtures.smallModel(), to: "in.onnx")
        let outcome = try Qdqc.run([
            input, "-o", workspace.path("out.onnx"), "--calib-random", "--target", "ort", "--equalize",
            "--bias-correction", "--pass-statistics",
        ])
        #expect(outcome.succeeded, "\(outcome.standardError)")
        #expect(outcome.standardError.contains("equalized-pairs: "), "\(outcome.standardError)")
        #expect(outcome.standardError.contains("corrected-layers: "), "\(outcome.standardError)")
        #expect(workspace.exists("out.onnx"))
    }

    @Test func equalizeWithPerChannelWeightsSaysWhyItRescalesNothing() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-cli")
        defer { workspace.remove() }
        let input = try workspace.write(OnnxFixtures.smallModel(), to: "in.onnx")
        let perChannel = try Qdqc.run([
            input, "-o", workspace.path("a.onnx"), "--calib-random", "--equalize", "--pass-statistics",
        ])
        #expect(perChannel.succeeded, "\(perChannel.standardError)")
        #expect(perChannel.standardError.contains("quantized per channel"), "\(perChannel.standardError)")
        #expect(perChannel.standardError.contains("per-channel-weights: 1"), "\(perChannel.standardError)")
        let perTensor = try Qdqc.run([
            input, "-o", workspace.path("b.onnx"), "--calib-random", "--equalize", "--per-tensor",
            "--pass-statistics",
        ])
        #expect(perTensor.succeeded, "\(perTensor.standardError)")
        #expect(!perTensor.standardError.contains("quantized per channel"), "\(perTensor.standardError)")
        #expect(perTensor.standardError.contains("equalized-pairs: "), "\(perTensor.standardError)")
    }
}
