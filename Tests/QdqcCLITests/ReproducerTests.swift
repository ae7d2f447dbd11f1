import Foundation
import TestSupport
import Testing

/// `--reproducer DIR`: a failed run leaves a folder that fails the same way when rerun on its own.
@Suite struct ReproducerTests {
    /// One MatMul with a constant weight, at opset 17: int4 weights need opset 21, so insert-qdq refuses it
    /// after calibration, when only the session knows the ranges.
    static let model = """
        <
           ir_version: 8,
           opset_import: ["" : 17]
        >
        g (float[2,4] x) => (float[2,3] y)
           <float[4,3] w = {0.5, -1, 2, 0.25, 1.5, -0.75, 1, 0.1, -2, 0.3, 0.6, -0.9}>
        {
           y = MatMul (x, w)
        }
        """

    @Test func anInsertQDQFailureReproducesFromTheFolderAlone() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-reproducer")
        defer { workspace.remove() }
        let input = try workspace.write(Data(Self.model.utf8), to: "matmul.onnxtxt")
        let folder = workspace.path("repro")
        let original = try Qdqc.run([
            input, "-o", workspace.path("out.onnx"), "--calib-random", "--quiet", "--weights", "int4",
            "--passes", "infer-shapes,calibrate,insert-qdq,cleanup-qdq", "--reproducer", folder,
        ])
        #expect(original.status == 1, "\(original.standardError)")
        #expect(original.standardError.contains("; reproducer written to \(folder)"), "\(original.standardError)")
        #expect(!workspace.exists("out.onnx"))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(files == ["calibration-table.json", "input.onnxtxt", "pipeline"])
        let pipeline = try String(contentsOfFile: folder + "/pipeline", encoding: .utf8)
        #expect(
            pipeline == "insert-qdq{weights=int4,table=\(folder)/calibration-table.json},cleanup-qdq\n",
            "the ranges calibrate left in the session are a file the pipeline names")

        // Exactly the documented command, through a shell.
        let command = "\"$QDQC\" \"$DIR/input.onnxtxt\" --passes \"$(cat \"$DIR/pipeline\")\""
        let rerun = try ProcessRunner.run(
            URL(fileURLWithPath: "/bin/sh"), ["-c", command],
            environment: ["QDQC": try Qdqc.executable().path, "DIR": folder])
        #expect(rerun.status == 1, "\(rerun.standardError)")
        let reason = try #require(Self.reason(original.standardError))
        #expect(reason.contains("int4 weights need opset 21"), "\(reason)")
        #expect(Self.reason(rerun.standardError) == reason, "\(rerun.standardError)")
    }

    /// The failing pass's message: after `failed: `, before any `; reproducer written to`.
    static func reason(_ standardError: String) -> String? {
        guard let start = standardError.range(of: "failed: ") else { return nil }
        let rest = standardError[start.upperBound...]
        let end = rest.range(of: "; reproducer written to")?.lowerBound ?? rest.endIndex
        return String(rest[..<end]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
