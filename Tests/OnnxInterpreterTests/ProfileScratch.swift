import Foundation
import OnnxIO
import OnnxIR
import OnnxInterpreter
import Testing
import TensorFiles

@Suite(.enabled(if: ProcessInfo.processInfo.environment["QDQC_PROFILE"] != nil))
struct ProfileScratch {
    @Test func profile() throws {
        let name = ProcessInfo.processInfo.environment["QDQC_PROFILE"] ?? ""
        let folder = TestEnvironment.modelsRoot + "/" + name
        let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/calib").filter { $0.hasSuffix(".npz") }.sorted().prefix(64)
        let samples = try files.map { try NpzReader(path: folder + "/calib/" + $0).readAll() }
        let interpreter = try Interpreter(model: ModelReader.read(path: folder + "/model.onnx"), name: name)
        for _ in 0..<4 { for sample in samples { _ = try interpreter.run(tensors: sample) } }
    }
}
