import Foundation
import TestSupport
import Testing

/// `qdqc run` must agree with ONNX Runtime on every eval sample of every shared model.
@Suite struct RunCommandTests {
    private static let sharedModelsMissing =
        "no shared models folder (neither <repo>/../shared/models nor /work/shared/models); skipped"

    @Test(
        .enabled(if: RepositoryPaths.sharedModels != nil, Comment(rawValue: sharedModelsMissing)),
        arguments: RepositoryPaths.sharedModelFiles().map(\.path))
    func runAgreesWithOnnxRuntimeOnEvalSamples(model: String) throws {
        let modelURL = URL(fileURLWithPath: model)
        let evalFolder = modelURL.deletingLastPathComponent().appendingPathComponent("eval")
        let samples = try FileManager.default.contentsOfDirectory(atPath: evalFolder.path)
            .filter { $0.hasSuffix(".npz") }.sorted().map { evalFolder.appendingPathComponent($0) }
        try #require(!samples.isEmpty, "no eval samples in \(evalFolder.path)")
        let scratch = try TemporaryDirectory(prefix: "qdqc-run")
        defer { scratch.remove() }
        let outputs = scratch.file("outputs")
        let run = try Qdqc.run(["run", model, "--data", evalFolder.path, "--all", "-o", outputs.path, "--quiet"])
        try #require(run.succeeded, "qdqc run --all failed:\n\(run.summary)")
        let check = try Python.runScript(
            "compare_run_outputs.py", [model, outputs.path] + samples.map(\.path))
        #expect(check.succeeded, "qdqc run disagrees with ONNX Runtime:\n\(check.summary)")
    }

    @Test func runOnTheExampleWritesAFolderOfNpyFiles() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-run-folder")
        defer { scratch.remove() }
        let model = RepositoryPaths.examples.appendingPathComponent("digits_cnn.onnx")
        let sample = RepositoryPaths.examples.appendingPathComponent("digits_cnn.eval/0000.npz")
        let output = scratch.file("outputs")
        let run = try Qdqc.run(["run", model.path, "--data", sample.path, "-o", output.path, "--quiet"])
        try #require(run.succeeded, "qdqc run failed:\n\(run.summary)")
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("logits.npy").path))
        let again = try Qdqc.run(["run", model.path, "--data", sample.path, "-o", output.path, "--quiet"])
        #expect(again.status == 1, "an existing output folder must be refused, not overwritten")
    }

    @Test func wrongShapeSampleIsAOneLineErrorNamingTheInput() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-run-bad")
        defer { scratch.remove() }
        let bad = scratch.file("bad.npz")
        let make = try Python.runCode(
            "import numpy as np, sys; np.savez(sys.argv[1], input=np.zeros((1, 1, 4, 4), np.float32))", [bad.path])
        #expect(make.succeeded, "\(make.summary)")
        let model = RepositoryPaths.examples.appendingPathComponent("digits_cnn.onnx")
        let output = scratch.file("out.npz")
        let run = try Qdqc.run(["run", model.path, "--data", bad.path, "-o", output.path])
        #expect(run.status == 1)
        #expect(run.standardError.hasPrefix("error: ") && run.standardError.contains("'input'"))
        #expect(run.standardError.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test func severalSamplesAtOnceWriteTheSameBytesAndReportTheFirstFailingSample() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-run-jobs")
        defer { scratch.remove() }
        let model = RepositoryPaths.examples.appendingPathComponent("digits_cnn.onnx").path
        let eval = RepositoryPaths.examples.appendingPathComponent("digits_cnn.eval")
        let data = scratch.file("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: false)
        for index in 0..<8 {
            let name = String(format: "%04d.npz", index)
            try FileManager.default.copyItem(
                at: eval.appendingPathComponent(name), to: data.appendingPathComponent(name))
        }
        var files: [[String: Data]] = []
        for jobs in ["1", "3"] {
            let output = scratch.file("out-\(jobs)")
            let run = try Qdqc.run(["run", model, "--data", data.path, "--all", "--jobs", jobs, "-o", output.path])
            try #require(run.succeeded, "\(run.summary)")
            var bytes: [String: Data] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: output.path) {
                bytes[name] = try Data(contentsOf: output.appendingPathComponent(name))
            }
            files.append(bytes)
        }
        #expect(files[0].count == 8)
        #expect(files[0] == files[1], "--jobs 3 must write the bytes --jobs 1 writes")

        // Samples 3 (first worker's share) and 6 (second worker's) have the wrong shape.
        for bad in ["0003.npz", "0006.npz"] {
            let make = try Python.runCode(
                "import numpy as np, sys; np.savez(sys.argv[1], input=np.zeros((1, 1, 4, 4), np.float32))",
                [data.appendingPathComponent(bad).path])
            try #require(make.succeeded, "\(make.summary)")
        }
        var errors: [String] = []
        for jobs in ["1", "2"] {
            let output = scratch.file("bad-\(jobs)")
            let run = try Qdqc.run(["run", model, "--data", data.path, "--all", "--jobs", jobs, "-o", output.path])
            #expect(run.status == 1)
            #expect(run.standardError.split(separator: "\n").count == 1, "\(run.standardError)")
            #expect(!FileManager.default.fileExists(atPath: output.path), "no output folder after a failure")
            errors.append(run.standardError)
        }
        #expect(errors[0].contains("0003"), "\(errors[0])")
        #expect(errors[1] == errors[0], "the lowest failing sample is reported whatever the timing")

        let usage = try Qdqc.run(["run", model, "--data", data.path, "--jobs", "2", "-o", scratch.file("x").path])
        #expect(usage.status != 0 && usage.standardError.contains("--jobs applies to --all"))
    }
}
