import Foundation
import TestSupport
import Testing

/// `--print-ir-tree-format onnx` writes each dump as a model ONNX loads and checks, with its large tensors in a
/// side file beside it (issue 20).
@Suite struct OnnxDumpTests {
    @Test func everyDumpIsALoadableCheckedModel() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-onnx-dump")
        defer { scratch.remove() }
        let input = scratch.file("in/model.onnx")
        let made = try Python.runScript("make_external_model.py", [input.path, "--layout", "one-file"])
        try #require(made.succeeded, "\(made.summary)")
        let dumps = scratch.path("dumps")
        let run = try Qdqc.run([
            input.path, "-o", scratch.path("out.onnx"), "--passes", "eliminate-dead-code,topological-sort",
            "--print-ir-tree-dir", dumps, "--print-ir-tree-format", "both", "--quiet",
        ])
        try #require(run.succeeded, "\(run.summary)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dumps).sorted()
        #expect(files.contains("00-input.onnxtxt") && files.contains("02-topological-sort.onnx.data"), "\(files)")
        let models = files.filter { $0.hasSuffix(".onnx") }
        #expect(models == ["00-input.onnx", "01-eliminate-dead-code.onnx", "02-topological-sort.onnx"])
        let checked = try Python.runCode(
            """
            import os, sys, onnx
            for path in sys.argv[1:]:
                onnx.checker.check_model(path, full_check=True)
                bare = onnx.load(path, load_external_data=False)
                side = {e.value for t in bare.graph.initializer for e in t.external_data if e.key == "location"}
                assert side == {os.path.basename(path) + ".data"}, (path, side)
                onnx.load(path)
            """, models.map { dumps + "/" + $0 })
        #expect(checked.succeeded, "\(checked.summary)")
    }
}
