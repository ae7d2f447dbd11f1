import Foundation
import TestSupport
import Testing

/// The same input, data and options give a byte-identical model and report (apart from timings),
/// across runs and thread counts.
@Suite struct DeterminismTests {
    /// `taskset`, to pin the second run to one CPU (the interpreter sizes its thread pool from the CPUs it may use).
    static let taskset: URL? = ["/usr/bin/taskset", "/bin/taskset"].map(URL.init(fileURLWithPath:))
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }

    @Test func exampleConversionIsReproducible() throws {
        let examples = RepositoryPaths.examples
        try checkReproducible(
            model: examples.appendingPathComponent("digits_cnn.onnx").path,
            data: [
                "--calib-data", examples.appendingPathComponent("digits_cnn.calib").path,
                "--eval-data", examples.appendingPathComponent("digits_cnn.eval").path,
            ])
    }

    @Test(
        .enabled(if: sharedModel("open_nsfw") != nil, "shared model open_nsfw not found; skipped"),
        .enabled(
            if: ProcessInfo.processInfo.environment["QDQC_BINARY"] != nil,
            "set QDQC_BINARY to a release qdqc: calibrating a real model in a debug build is slow"))
    func realModelConversionIsReproducibleAcrossThreadCounts() throws {
        // Large enough activations for the interpreter's parallel loops and OpenBLAS's threads to engage.
        let folder = try #require(Self.sharedModel("open_nsfw"))
        try checkReproducible(
            model: folder.appendingPathComponent("model.onnx").path,
            data: [
                "--calib-data", folder.appendingPathComponent("calib").path, "--calib-samples", "2",
                "--eval-data", folder.appendingPathComponent("eval").path, "--eval-samples", "1",
            ])
    }

    static func sharedModel(_ name: String) -> URL? {
        guard let folder = RepositoryPaths.sharedModels?.appendingPathComponent(name),
            FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.onnx").path)
        else { return nil }
        return folder
    }

    /// Converts twice in two folders with the same relative output names (the report records the
    /// command line): once as is, once on one CPU with one BLAS thread; compares the bytes.
    private func checkReproducible(model: String, data: [String]) throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-determinism")
        defer { scratch.remove() }
        let arguments = [model, "-o", "out.onnx", "--report", "report.json", "--quiet"] + data
        var outputs: [(model: Data, report: Any)] = []
        for (index, singleThread) in [false, true].enumerated() {
            let folder = scratch.file("run\(index)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let binary = try Qdqc.executable()
            let result: ProcessResult
            if singleThread, let taskset = Self.taskset {
                result = try ProcessRunner.run(
                    taskset, ["-c", "0", binary.path] + arguments, workingDirectory: folder,
                    environment: ["OPENBLAS_NUM_THREADS": "1"])
            } else {
                result = try ProcessRunner.run(binary, arguments, workingDirectory: folder)
            }
            try #require(result.succeeded, "run \(index) failed:\n\(result.summary)")
            let report = try JSONSerialization.jsonObject(
                with: Data(contentsOf: folder.appendingPathComponent("report.json")))
            outputs.append(
                (try Data(contentsOf: folder.appendingPathComponent("out.onnx")), Self.withoutTimings(report)))
        }
        #expect(outputs[0].model == outputs[1].model, "the two runs wrote different models")
        let first = try JSONSerialization.data(withJSONObject: outputs[0].report, options: [.sortedKeys])
        let second = try JSONSerialization.data(withJSONObject: outputs[1].report, options: [.sortedKeys])
        #expect(first == second, "the reports differ beyond timings")
    }

    /// The report without the fields that measure time.
    static func withoutTimings(_ value: Any) -> Any {
        if let object = value as? [String: Any] {
            return object.filter { $0.key != "seconds" && $0.key != "verifierSeconds" }
                .mapValues(withoutTimings)
        }
        if let array = value as? [Any] { return array.map(withoutTimings) }
        return value
    }
}
