import Foundation
import OnnxIO
import OnnxIR
import OnnxInterpreter
import TensorFiles
import Testing

/// The six shared models, each on a few of its eval samples, against ONNX Runtime.
@Suite(.serialized) struct RealModelTests {
    static let names = [
        "ppocr_mobile_v2_cls", "ppocr_v4_det", "silero_vad_lstm", "magika_v3_3", "open_nsfw", "all_minilm_l6_v2",
    ]
    /// Eval samples per model: 4 by default to keep the suite quick; `QDQC_REAL_MODEL_SAMPLES=32` checks them all.
    static let samplesPerModel = Int(ProcessInfo.processInfo.environment["QDQC_REAL_MODEL_SAMPLES"] ?? "") ?? 4

    /// Writes ONNX Runtime's outputs for the first samples of a model as npz files.
    static let referenceScript = """
        import sys, glob, os, numpy as np, onnxruntime as ort
        model, out_dir, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
        so = ort.SessionOptions(); so.intra_op_num_threads = 2
        session = ort.InferenceSession(os.path.join(model, "model.onnx"), so, providers=["CPUExecutionProvider"])
        names = [o.name for o in session.get_outputs()]
        for path in sorted(glob.glob(os.path.join(model, "eval", "*.npz")))[:count]:
            feeds = dict(np.load(path))
            outputs = session.run(None, feeds)
            np.savez(os.path.join(out_dir, os.path.basename(path)), **dict(zip(names, outputs)))
        """

    @Test("Agrees with ONNX Runtime on eval samples", arguments: names)
    func agreesWithOnnxRuntime(name: String) throws {
        let folder = TestEnvironment.modelsRoot + "/" + name
        try #require(FileManager.default.fileExists(atPath: folder + "/model.onnx"), "missing \(folder)")
        try #require(TestEnvironment.hasPython, "the test venv (.venv) is missing")
        let cache = try TestEnvironment.lockedCacheDirectory("interpreter-reference", subfolder: name)
        let samples = try FileManager.default.contentsOfDirectory(atPath: folder + "/eval")
            .filter { $0.hasSuffix(".npz") }.sorted().prefix(Self.samplesPerModel)
        #expect(!samples.isEmpty, "no eval samples in \(folder)")
        if samples.contains(where: { !FileManager.default.fileExists(atPath: cache + "/" + $0) }) {
            try TestEnvironment.runPython(
                Self.referenceScript, arguments: [folder, cache, String(Self.samplesPerModel)])
        }
        let model = try ModelReader.read(path: folder + "/model.onnx")
        let interpreter = try Interpreter(model: model, name: name)
        for sample in samples {
            let inputs = try NpzReader(path: folder + "/eval/" + sample).readAll()
            let expected = try NpzReader(path: cache + "/" + sample).readAll()
            let outputs = try interpreter.run(tensors: inputs)
            for outputName in interpreter.outputNames {
                let actual = try #require(outputs[outputName])
                let reference = try NDArray(tensor: try #require(expected[outputName]))
                let problem = try Closeness.mismatch(actual, reference, rtol: 1e-3, atol: 1e-4)
                #expect(problem == nil, "\(name) \(sample) output \(outputName): \(problem ?? "")")
            }
        }
    }
}
