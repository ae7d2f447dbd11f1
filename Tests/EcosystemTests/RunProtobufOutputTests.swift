import Foundation
import TestSupport
import Testing

/// `qdqc run` writes outputs of types numpy cannot hold (int4, int2, float4e2m1, float8e8m0, float8) as
/// ONNX test-data TensorProto files, and `--pb` asks for them for any type; onnx.reference agrees.
@Suite struct RunProtobufOutputTests {
    static let model = """
        <
           ir_version: 11,
           opset_import: ["" : 25]
        >
        casts (float[2,4] x) => (int4[2,4] q4, float4e2m1[2,4] f4, int2[2,4] q2, float8e8m0[2,4] e8, float8e4m3fn[2,4] f8, float[2,4] y)
        {
           q4 = Cast <to: int = 22> (x)
           f4 = Cast <to: int = 23> (x)
           q2 = Cast <to: int = 26> (x)
           e = Exp (x)
           e8 = Cast <to: int = 24> (e)
           f8 = Cast <to: int = 17> (x)
           y = Identity (x)
        }
        """

    static let makeSample = """
        import sys, numpy as np
        x = np.array([[-1.5, -0.5, 0.0, 0.75], [1.0, 0.25, -1.0, 0.4]], dtype=np.float32)
        np.savez(sys.argv[1], x=x)
        """

    @Test(arguments: [false, true])
    func outputsNumpyCannotHoldGoToPbFiles(forced: Bool) throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-run-pb")
        defer { scratch.remove() }
        let model = scratch.file("casts.onnxtxt")
        try Self.model.write(to: model, atomically: true, encoding: .utf8)
        let sample = scratch.file("x.npz")
        let made = try Python.runCode(Self.makeSample, [sample.path])
        try #require(made.succeeded, "\(made.summary)")
        let output = scratch.file("outputs")
        let run = try Qdqc.run(
            ["run", model.path, "--data", sample.path, "-o", output.path, "--quiet"] + (forced ? ["--pb"] : []))
        try #require(run.succeeded, "qdqc run failed:\n\(run.summary)")
        let check = try Python.runScript("pb_outputs_check.py", [model.path, sample.path, output.path])
        #expect(check.succeeded, "\(check.summary)")
        let npz = try Qdqc.run(["run", model.path, "--data", sample.path, "-o", scratch.file("o.npz").path])
        #expect(npz.status == 1 && npz.standardError.contains("output_K.pb"), "\(npz.summary)")
    }
}
