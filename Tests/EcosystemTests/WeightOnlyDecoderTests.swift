import Foundation
import TestSupport
import Testing

/// Weight-only quantization of small random-weight decoders (`Tests/Python/make_decoders.py`: a GPT-style
/// model with tied embeddings and a Llama-style one with RMSNorm written out, rotary embeddings in the
/// graph, grouped-query attention and a SiLU-gated MLP of width 80): every method's output passes
/// `onnx.checker`, runs in ONNX Runtime, which fuses each MatMul's pair into `MatMulNBits`, stays close to
/// the float model, and runs in qdqc's interpreter with ONNX Runtime's results.
@Suite struct WeightOnlyDecoderTests {
    /// The decoders and their calibration samples, written into `folder`.
    static func makeDecoders(in folder: TemporaryDirectory) throws {
        let make = try Python.runScript("make_decoders.py", [folder.url.path])
        try #require(make.succeeded, "make_decoders.py failed:\n\(make.summary)")
    }

    /// The number of MatMuls with a constant weight in each decoder (the Gemm LM head of gpt is not fused).
    static let fusableMatMuls = ["gpt": 12, "llama": 15]

    @Test(arguments: ["gpt", "llama"], ["rtn", "awq", "gptq"])
    func quantizedDecoderRunsEverywhere(model: String, method: String) throws {
        let folder = try TemporaryDirectory(prefix: "weight-only-\(model)-\(method)")
        defer { folder.remove() }
        try Self.makeDecoders(in: folder)
        let float = folder.file("\(model).onnx").path
        let output = folder.file("\(model).w4.onnx").path
        let calib = folder.file("calib").path
        let run = try Qdqc.run([
            float, "-o", output, "--activations", "none", "--weights", "int4", "--block-size", "32",
            "--weight-method", method, "--target", "ort", "--calib-data", calib, "--quiet",
        ])
        try #require(run.succeeded, "qdqc failed:\n\(run.summary)")
        let optimized = folder.file("optimized.onnx").path
        let result = try QuantizedModelTests.check(
            quantized: output, float: float, samples: calib, limit: 4, level: "all", optimized: optimized)
        let sqnr = (result["sqnr_db"] as? [String: Double])?.values.first ?? -.infinity
        #expect(sqnr > 10, "\(model) \(method): logits SQNR \(sqnr) dB against float")
        let counts = (result["optimized_op_counts"] as? [String: Int]) ?? [:]
        #expect(counts["MatMulNBits"] == Self.fusableMatMuls[model], "\(model) \(method): optimized ops \(counts)")
        try Self.expectInterpreterAgrees(model: output, folder: folder)
    }

    /// What `qdqc run`'s outputs are held to.
    enum Oracle {
        /// ONNX Runtime on four samples, element by element or, with a minimum SQNR, to that many decibels.
        case onnxRuntime(minimumSQNR: Double?)
        /// `onnx.checker` and `onnx.reference` on two samples, for types no runtime in the venv executes:
        /// element by element or, with a minimum SQNR, to that many decibels.
        case onnxReference(minimumSQNR: Double?)
    }

    /// `qdqc run` on the calibration samples of `folder` gives what `oracle` computes for `model`
    /// (`compare_run_outputs.py`).
    static func expectInterpreterAgrees(
        model: String, folder: TemporaryDirectory, oracle: Oracle = .onnxRuntime(minimumSQNR: nil)
    ) throws {
        let outputs = folder.file("outputs")
        let calib = folder.file("calib").path
        let interpreted = try Qdqc.run(["run", model, "--data", calib, "--all", "-o", outputs.path, "--quiet"])
        try #require(interpreted.succeeded, "qdqc run failed:\n\(interpreted.summary)")
        let options: [String]
        let sampleCount: Int
        switch oracle {
        case .onnxRuntime(let minimumSQNR):
            (options, sampleCount) = (minimumSQNR.map { ["--min-sqnr", String($0)] } ?? [], 4)
        case .onnxReference(let minimumSQNR):
            (options, sampleCount) = (["--reference"] + (minimumSQNR.map { ["--min-sqnr", String($0)] } ?? []), 2)
        }
        let samples = (0..<sampleCount).map { folder.file("calib/000\($0).npz").path }
        let agree = try Python.runScript("compare_run_outputs.py", options + [model, outputs.path] + samples)
        #expect(agree.succeeded, "\(model): qdqc run disagrees with \(oracle):\n\(agree.summary)")
    }

    /// GPTQ and AWQ beat RTN on the Llama-style decoder (same grid, same blocks), measured in ONNX Runtime.
    @Test func gptqAndAwqBeatRoundToNearest() throws {
        let folder = try TemporaryDirectory(prefix: "weight-only-methods")
        defer { folder.remove() }
        try Self.makeDecoders(in: folder)
        let float = folder.file("llama.onnx").path
        let calib = folder.file("calib").path
        var sqnr: [String: Double] = [:]
        for method in ["rtn", "awq", "gptq"] {
            let output = folder.file("llama.\(method).onnx").path
            let run = try Qdqc.run([
                float, "-o", output, "--activations", "none", "--block-size", "32", "--weight-method", method,
                "--target", "ort", "--calib-data", calib, "--quiet",
            ])
            try #require(run.succeeded, "qdqc \(method) failed:\n\(run.summary)")
            let result = try QuantizedModelTests.check(
                quantized: output, float: float, samples: calib, limit: 4, level: "none")
            sqnr[method] = (result["sqnr_db"] as? [String: Double])?.values.first
        }
        let rtn = try #require(sqnr["rtn"])
        #expect((sqnr["gptq"] ?? -.infinity) > rtn, "SQNR \(sqnr)")
        #expect((sqnr["awq"] ?? -.infinity) > rtn, "SQNR \(sqnr)")
    }

    /// For TensorRT the weights are symmetric with positive scales and no zero point.
    @Test func tensorRTTargetWritesPositiveScalesWithoutZeroPoints() throws {
        let folder = try TemporaryDirectory(prefix: "weight-only-trt")
        defer { folder.remove() }
        try Self.makeDecoders(in: folder)
        let output = folder.file("gpt.trt.onnx").path
        let run = try Qdqc.run([
            folder.file("gpt.onnx").path, "-o", output, "--activations", "none", "--block-size", "32",
            "--weight-method", "rtn", "--target", "tensorrt", "--quiet",
        ])
        try #require(run.succeeded, "qdqc failed:\n\(run.summary)")
        let check = try Python.runCode(
            """
            import sys, onnx
            from onnx import numpy_helper
            m = onnx.load(sys.argv[1])
            onnx.checker.check_model(m, full_check=True)
            init = {t.name: t for t in m.graph.initializer}
            dq = [n for n in m.graph.node if n.op_type == "DequantizeLinear"]
            assert len(dq) == 13, len(dq)
            for n in dq:
                assert len(n.input) == 2, f"{n.name} has a zero point"
                assert init[n.input[0]].data_type == onnx.TensorProto.INT4
                assert (numpy_helper.to_array(init[n.input[1]]) > 0).all(), f"{n.name} has a non-positive scale"
            """, [output])
        #expect(check.succeeded, "\(check.summary)")
    }
}
