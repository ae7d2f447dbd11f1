import Foundation
import TestSupport
import Testing

/// `qdqc list-targets` and the quantization flags of `convert`.
@Suite struct QuantizationFlagsTests {
    @Test func listTargetsShowsBothTargetsWithTheDefaultFirst() throws {
        let outcome = try Qdqc.run(["list-targets"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let lines = outcome.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("tensorrt (default)  TensorRT explicit quantization") == true)
        #expect(lines.contains { $0.hasPrefix("ort  ONNX Runtime QDQ") })
        #expect(lines.contains("    activations: int8, float8e4m3fn"))
        #expect(lines.contains("    activations: uint8, int8, uint16, int16, float8e4m3fn"))
    }

    @Test func quantizationFlagsNeedAnInsertQDQPass() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-cli")
        defer { workspace.remove() }
        let input = try workspace.write(OnnxFixtures.smallModel(), to: "in.onnx")
        let outcome = try Qdqc.run([
            input, "-o", workspace.path("out.onnx"), "--passes", "eliminate-dead-code", "--target", "ort",
        ])
        #expect(outcome.status != 0)
        #expect(outcome.standardError.contains("need an insert-qdq pass"), "\(outcome.standardError)")
        #expect(!workspace.exists("out.onnx"))
    }

    @Test func aTargetThatRefusesAFormatSaysSoInOneLine() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-cli")
        defer { workspace.remove() }
        let input = try workspace.write(OnnxFixtures.smallModel(), to: "in.onnx")
        let outcome = try Qdqc.run([
            input, "-o", workspace.path("out.onnx"), "--calib-random", "--activations", "uint8",
        ])
        #expect(outcome.status != 0)
        #expect(outcome.errorLines.count == 1, "\(outcome.standardError)")
        #expect(outcome.standardError.contains("target 'tensorrt' does not take uint8"), "\(outcome.standardError)")
        #expect(!workspace.exists("out.onnx"))
    }
}
