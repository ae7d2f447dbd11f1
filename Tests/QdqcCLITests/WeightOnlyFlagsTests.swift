import Foundation
import TestSupport
import Testing

/// Weight-only quantization from the command line: `--activations none`, `--weight-method`, and the
/// one-line errors and remarks of bad input.
@Suite struct WeightOnlyFlagsTests {
    /// A MatMul with a constant `[8, 3]` weight; `weight` replaces the weight's values.
    static func matMulModel(
        weight: String =
            "0.5, -1, 2, 0.1, 0.2, -0.3, -0.75, 1, 0.05, 3, -2, 0.6, 0.25, 0.125, -1.5, -0.4, 0.9, 0.7, 1.1, -0.2, 0.33, 0.8, 0.45, -0.9"
    ) -> Data {
        Data(
            """
            <ir_version: 10, opset_import: ["" : 17]>
            g (float[N,8] x) => (float[N,3] y)
               <float[8,3] w = {\(weight)}>
            {
               [layer] y = MatMul (x, w)
            }
            """.utf8)
    }

    @Test func rtnNeedsNoDataAndWritesABlockedDequantizeLinear() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-weight-only")
        defer { workspace.remove() }
        let input = try workspace.write(Self.matMulModel(), to: "in.onnxtxt")
        let outcome = try Qdqc.run([
            input, "-o", workspace.path("out.onnxtxt"), "--activations", "none", "--weights", "int4",
            "--block-size", "4", "--weight-method", "rtn", "--target", "ort",
        ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let text = try String(contentsOfFile: workspace.path("out.onnxtxt"), encoding: .utf8)
        #expect(text.contains("DequantizeLinear <axis: int = 0, block_size: int = 4>"), "\(text)")
        #expect(text.contains("int4[8,3] w_quantized"), "\(text)")
        #expect(text.contains("opset_import: [\"\" : 21]"), "upgrade-opset raised to 21:\n\(text)")
    }

    @Test func aWeightWithNaNStaysInFloatWithARemark() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-weight-only")
        defer { workspace.remove() }
        let weight = (["nan"] + Array(repeating: "0.5", count: 23)).joined(separator: ", ")
        let input = try workspace.write(Self.matMulModel(weight: weight), to: "in.onnxtxt")
        let outcome = try Qdqc.run([
            input, "-o", workspace.path("out.onnxtxt"), "--activations", "none", "--block-size", "4",
        ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(
            outcome.standardError.contains("'layer' keeps its float weight: tensor 'w': element 0 is nan"),
            "\(outcome.standardError)")
        let text = try String(contentsOfFile: workspace.path("out.onnxtxt"), encoding: .utf8)
        #expect(!text.contains("DequantizeLinear"))
    }

    @Test func aModelWithoutMatMulIsLeftAsItIsWithARemark() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-weight-only")
        defer { workspace.remove() }
        let model = Data(
            """
            <ir_version: 10, opset_import: ["" : 17]>
            g (float[N,3] x) => (float[N,3] y)
               <float[3] b = {1, 2, 3}>
            {
               y = Add (x, b)
            }
            """.utf8)
        let input = try workspace.write(model, to: "in.onnxtxt")
        let outcome = try Qdqc.run([input, "-o", workspace.path("out.onnx"), "--activations", "none"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardError.contains("no Gemm/MatMul layer with a constant float32 weight"))
    }

    @Test(arguments: [
        (["--block-size", "0"], "--block-size must be at least 1"),
        (["--block-size=-4"], "--block-size must be at least 1"),
        (["--weights", "uint4", "--target", "tensorrt"], "a weight format target tensorrt takes"),
        (["--asymmetric-weights", "--target", "tensorrt"], "target tensorrt takes no weight zero points"),
        (["--weight-method", "gptq"], "--weight-method gptq measures the layers' inputs: give --calib-data"),
        (["--weight-method", "bogus"], "--weight-method 'bogus' is unknown"),
        (["--weights", "float8e4m3fn", "--target", "ort"], "not a weight-only format"),
    ])
    func badWeightOnlyFlagsAreOneLineUsageErrors(flags: [String], message: String) throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-weight-only")
        defer { workspace.remove() }
        let input = try workspace.write(Self.matMulModel(), to: "in.onnxtxt")
        let outcome = try Qdqc.run([input, "-o", workspace.path("out.onnx"), "--activations", "none"] + flags)
        #expect(outcome.status == 64, "\(outcome.standardError)")
        #expect(outcome.errorLines.count == 1, "\(outcome.standardError)")
        #expect(outcome.standardError.contains(message), "\(outcome.standardError)")
        #expect(!workspace.exists("out.onnx"))
    }

    /// With static activations, rtn and gptq round on insert-qdq's grid (`round-weights`); AWQ is weight-only.
    @Test func awqNeedsActivationsNone() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-weight-only")
        defer { workspace.remove() }
        let input = try workspace.write(Self.matMulModel(), to: "in.onnxtxt")
        let outcome = try Qdqc.run([
            input, "-o", workspace.path("out.onnx"), "--calib-random", "--weight-method", "awq",
        ])
        #expect(outcome.status == 64)
        #expect(
            outcome.standardError.contains("--weight-method awq needs --activations none"), "\(outcome.standardError)")
        #expect(!workspace.exists("out.onnx"))
    }
}
