import Foundation
import OnnxIO
import OnnxIR
import OnnxInterpreter
import TensorFiles
import Testing

/// Times the interpreter against ONNX Runtime (2 threads) on every calib sample of each shared model
/// (the better of two passes each, since the machine is shared).
///
/// Opt-in (`QDQC_BENCHMARK=1`, in a release build): it takes minutes. `QDQC_BENCHMARK_MODEL=name`
/// limits it to one model, so peak memory is measured in a fresh process. Writes a Markdown table
/// to `.build/interpreter-reports/benchmark.md`.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["QDQC_BENCHMARK"] == "1"))
struct BenchmarkTests {
    static let onnxRuntimeScript = """
        import sys, glob, os, time, numpy as np, onnxruntime as ort
        model, limit = sys.argv[1], int(sys.argv[2])
        so = ort.SessionOptions(); so.intra_op_num_threads = 2; so.inter_op_num_threads = 1
        session = ort.InferenceSession(os.path.join(model, "model.onnx"), so, providers=["CPUExecutionProvider"])
        files = sorted(glob.glob(os.path.join(model, "calib", "*.npz")))[:limit]
        samples = [dict(np.load(f)) for f in files]
        elapsed = float("inf")
        for _ in range(2):
            start = time.perf_counter()
            for feeds in samples: session.run(None, feeds)
            elapsed = min(elapsed, time.perf_counter() - start)
        # VmHWM, not ru_maxrss: the latter keeps the parent's peak across fork and exec.
        status = open("/proc/self/status").read().split("\\n")
        peak = float(next(l for l in status if l.startswith("VmHWM:")).split()[1]) / 1024
        open(sys.argv[3], "w").write(f"{elapsed} {peak}")
        """

    @Test("Interpreter and ONNX Runtime timings on the calib samples") func timings() throws {
        let limit = Int(ProcessInfo.processInfo.environment["QDQC_BENCHMARK_SAMPLES"] ?? "") ?? 128
        var table =
            "| model | samples | qdqc s | ONNX Runtime s | ratio | qdqc peak RSS MB | ORT peak RSS MB |\n"
            + "|---|---|---|---|---|---|---|\n"
        let only = ProcessInfo.processInfo.environment["QDQC_BENCHMARK_MODEL"]
        for name in RealModelTests.names where only == nil || only == name {
            let folder = TestEnvironment.modelsRoot + "/" + name
            let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/calib")
                .filter { $0.hasSuffix(".npz") }.sorted().prefix(limit)
            let memory = MemorySampler()
            let samples = try files.map { try NpzReader(path: folder + "/calib/" + $0).readAll() }
            let interpreter = try Interpreter(model: ModelReader.read(path: folder + "/model.onnx"), name: name)
            _ = try interpreter.run(tensors: samples[0])
            var ours = Double.infinity
            for _ in 0..<2 {
                let start = Date()
                for sample in samples {
                    let outputs = try interpreter.run(tensors: sample)
                    #expect(outputs.count == interpreter.outputNames.count)
                }
                ours = min(ours, Date().timeIntervalSince(start))
            }
            let ourPeak = memory.stop()
            let resultFile = NSTemporaryDirectory() + "/qdqc-ort-\(name).txt"
            try TestEnvironment.runPython(Self.onnxRuntimeScript, arguments: [folder, String(limit), resultFile])
            let parts = try String(contentsOfFile: resultFile, encoding: .utf8).split(separator: " ").compactMap {
                Double($0)
            }
            let theirs = parts.first ?? .nan
            let line = String(
                format: "| %@ | %d | %.2f | %.2f | %.2f | %.0f | %.0f |", name, samples.count, ours, theirs,
                ours / theirs, ourPeak, parts.last ?? .nan)
            print(line)
            table += line + "\n"
        }
        let path = try TestEnvironment.cacheDirectory("interpreter-reports") + "/benchmark.md"
        try table.write(toFile: path, atomically: true, encoding: .utf8)
        print(table)
    }
}
