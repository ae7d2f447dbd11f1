import Foundation
import OnnxIO
import OnnxIR
import Testing

/// The real models shared by every test target, when present on this machine.
private let sharedModels: [String] = {
    let root = "/work/shared/models"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
    return names.sorted().map { "\(root)/\($0)/model.onnx" }.filter { FileManager.default.fileExists(atPath: $0) }
}()

@Suite struct SharedModelTests {
    @Test("The shared models are present") func modelsArePresent() {
        #expect(sharedModels.count >= 6, "expected the six models under /work/shared/models")
    }

    @Test("Reads, verifies and writes back byte-stable", arguments: sharedModels)
    func roundTrip(path: String) throws {
        let model = try ModelReader.read(path: path)
        try Verifier().verify(model)
        let first = try ModelWriter.serialize(model)
        let second = try ModelWriter.serialize(try ModelReader.read(data: first, path: path, baseDirectory: nil))
        #expect(first == second)
    }

    @Test("Writing reproduces the original file byte for byte", arguments: sharedModels)
    func reproducesOriginalBytes(path: String) throws {
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let written = try ModelWriter.serialize(try ModelReader.read(path: path))
        #expect(written.count == original.count)
        #expect(written == original)
    }

    @Test("write(to:) gives the same bytes as serialize", arguments: sharedModels.prefix(2))
    func writeMatchesSerialize(path: String) throws {
        let scratch = try ScratchDirectory()
        let model = try ModelReader.read(path: path)
        let output = scratch.file("out.onnx")
        let report = try ModelWriter.write(model, to: output)
        let written = try Data(contentsOf: URL(fileURLWithPath: output))
        #expect(written == (try ModelWriter.serialize(model)))
        #expect(report.modelBytes == written.count)
        #expect(report.externalDataFile == nil)
        #expect(try scratch.contents() == ["out.onnx"])
    }
}
