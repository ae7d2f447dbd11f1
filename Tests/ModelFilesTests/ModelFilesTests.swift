import Foundation
import ModelFiles
import OnnxIR
import OnnxText
import TestSupport
import Testing

/// Reading and writing model files by extension, with sidecars, and atomic output folders.
@Suite struct ModelFilesTests {
    static let modelText = TextModels.withLargeInitializer

    @Test func textWithASidecarReadsBackTheSameModelAsProtobuf() throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-modelfiles")
        defer { folder.remove() }
        let model = try TextParser.parseModel(Self.modelText)
        let textPath = folder.path("m.onnxtxt")
        #expect(try ModelFileWriter(path: textPath, externalData: "m.bin").write(model).isEmpty)
        let binaryPath = folder.path("m.onnx")
        _ = try ModelFileWriter(path: binaryPath).write(model)
        #expect(folder.contents() == ["m.bin", "m.onnx", "m.onnxtxt"])
        let text = try String(contentsOfFile: textPath, encoding: .utf8)
        #expect(text.contains("m.bin"), "the 100-element weight goes to the sidecar")
        let fromText = try TextPrinter(options: TextPrintOptions(largeTensors: .inline)).print(
            try ModelFile.read(path: textPath)
        ).text
        let fromBinary = try TextPrinter(options: TextPrintOptions(largeTensors: .inline)).print(
            try ModelFile.read(path: binaryPath)
        ).text
        #expect(fromText == fromBinary)
        #expect(fromText.contains("99"))
    }

    @Test func aMissingSidecarIsAnErrorNamingTheTextFile() throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-modelfiles")
        defer { folder.remove() }
        let textPath = folder.path("m.onnxtxt")
        _ = try ModelFileWriter(path: textPath, externalData: "m.bin").write(try TextParser.parseModel(Self.modelText))
        try FileManager.default.removeItem(atPath: folder.path("m.bin"))
        #expect {
            try ModelFile.read(path: textPath)
        } throws: { error in
            (error as? ModelFileError)?.path == textPath && "\(error)".contains("m.bin")
        }
    }

    @Test func aFolderAppearsOnlyWhenFilledCompletely() throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-modelfiles")
        defer { folder.remove() }
        struct Refusal: Error {}
        #expect(throws: Refusal.self) {
            try AtomicFolder.create(at: folder.path("out")) { staging in
                try Data("a".utf8).write(to: URL(fileURLWithPath: staging).appendingPathComponent("a.npy"))
                throw Refusal()
            }
        }
        #expect(folder.contents().isEmpty, "neither the folder nor its staging copy is left behind")
        try AtomicFolder.create(at: folder.path("out")) { staging in
            try Data("a".utf8).write(to: URL(fileURLWithPath: staging).appendingPathComponent("a.npy"))
        }
        #expect(folder.contents() == ["out"])
        #expect(throws: ModelFileError.self) { try AtomicFolder.create(at: folder.path("out")) { _ in } }
    }
}
