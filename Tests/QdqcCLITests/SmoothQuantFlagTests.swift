import Foundation
import TestSupport
import Testing

@testable import QdqcCLI

/// `--smooth-quant` works with or without a value, before or after the model path.
@Suite struct SmoothQuantFlagTests {
    @Test(arguments: [
        (["--smooth-quant", "m.onnx", "-o", "q.onnx"], ["--smooth-quant=0.5", "m.onnx", "-o", "q.onnx"]),
        (["m.onnx", "--smooth-quant", "-o", "q.onnx"], ["m.onnx", "--smooth-quant", "-o", "q.onnx"]),
        (["--smooth-quant", "0.8", "m.onnx"], ["--smooth-quant", "0.8", "m.onnx"]),
        (["--smooth-quant", "auto", "m.onnx"], ["--smooth-quant", "auto", "m.onnx"]),
        (["--smooth-quant=auto", "m.onnx"], ["--smooth-quant=auto", "m.onnx"]),
        (["m.onnx", "--smooth-quant"], ["m.onnx", "--smooth-quant"]),
        (["--", "--smooth-quant", "m.onnx"], ["--", "--smooth-quant", "m.onnx"]),
    ])
    func bareFlagGetsTheDefaultAlphaOnlyBeforeANonAlpha(_ given: [String], _ expected: [String]) {
        #expect(SmoothQuantOptions.attachingDefaultAlpha(to: given) == expected)
    }

    @Test func bareFlagBeforeTheModelPathLeavesThePathToTheModel() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-cli")
        defer { workspace.remove() }
        let input = try workspace.write(OnnxFixtures.smallModel(), to: "in.onnx")
        let outcome = try Qdqc.run(["--smooth-quant", input, "-o", workspace.path("out.onnx")])
        #expect(outcome.status == 64, "\(outcome.standardError)")
        #expect(
            outcome.errorLines == ["error: --smooth-quant needs calibration samples: --calib-data (or --calib-random)"])
        #expect(!workspace.exists("out.onnx"))
    }
}
