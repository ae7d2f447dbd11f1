import Foundation
import OnnxIR
import Testing

@testable import OnnxIO

@Suite struct ExternalDataTests {
    private func initializerBytes(_ model: Model) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for value in model.graph.initializers { result[value.name] = try value.initializer?.rawBytes() }
        return result
    }

    @Test func writingWithASideFileAndReadingBackKeepsTheBytes() throws {
        let scratch = try ScratchDirectory()
        let original = try ExternalDataFixture.model()
        let output = scratch.file("model.onnx")
        let report = try ModelWriter.write(
            original, to: output, options: ModelWriteOptions(externalDataFile: "weights.bin"))
        #expect(report.externalDataFile == "weights.bin")
        #expect(report.externalTensorCount == 1)
        #expect(report.externalDataBytes == 4096)
        #expect(try scratch.contents() == ["model.onnx", "weights.bin"])
        let read = try ModelReader.read(path: output)
        let big = try #require(read.graph.initializers.first?.initializer)
        guard case .external(let external) = big.storage else {
            Issue.record("w_big should be external")
            return
        }
        #expect(external.entries.map(\.key) == ["location", "offset", "length"])
        #expect(external.location == "weights.bin")
        #expect(external.offset == 0)
        #expect(external.length == 4096)
        #expect(big.dataLocationField == 1)
        #expect(read.graph.initializers.last?.initializer?.isExternal == false)
        #expect(try initializerBytes(read) == (try initializerBytes(original)))
    }

    @Test func tensorsAreAlignedTo64BytesInTheSideFile() throws {
        let scratch = try ScratchDirectory()
        let output = scratch.file("m.onnx")
        try ModelWriter.write(
            try ExternalDataFixture.model(), to: output,
            options: ModelWriteOptions(externalDataFile: "all.bin", externalDataThreshold: 1))
        let read = try ModelReader.read(path: output)
        let offsets = read.graph.initializers.compactMap { value -> Int? in
            guard case .external(let external) = value.initializer?.storage else { return nil }
            return external.offset
        }
        #expect(offsets == [0, 4096])
        #expect(try initializerBytes(read) == (try initializerBytes(try ExternalDataFixture.model())))
    }

    @Test func previouslyExternalTensorsGoBesideTheOutputNotToTheInputsFile() throws {
        let input = try ScratchDirectory()
        let output = try ScratchDirectory()
        try ModelWriter.write(
            try ExternalDataFixture.model(), to: input.file("in.onnx"),
            options: ModelWriteOptions(externalDataFile: "in.bin"))
        let model = try ModelReader.read(path: input.file("in.onnx"))
        let report = try ModelWriter.write(model, to: output.file("out.onnx"))
        #expect(report.externalDataFile == "out.onnx.data")
        #expect(try output.contents() == ["out.onnx", "out.onnx.data"])
        try FileManager.default.removeItem(atPath: input.file("in.bin"))
        let reread = try ModelReader.read(path: output.file("out.onnx"))
        #expect(try initializerBytes(reread) == (try initializerBytes(try ExternalDataFixture.model())))
    }

    @Test func overwritingAModelInPlaceKeepsItsExternalBytes() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("m.onnx")
        try ModelWriter.write(try ExternalDataFixture.model(), to: path)
        try ModelWriter.write(
            try ModelReader.read(path: path), to: path, options: ModelWriteOptions(externalDataFile: "m.onnx.data"))
        try ModelWriter.write(try ModelReader.read(path: path), to: path)
        #expect(try scratch.contents() == ["m.onnx", "m.onnx.data"])
        #expect(
            try initializerBytes(try ModelReader.read(path: path))
                == (try initializerBytes(try ExternalDataFixture.model())))
    }

    @Test func serializeInlinesExternalTensors() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("m.onnx")
        try ModelWriter.write(
            try ExternalDataFixture.model(), to: path, options: ModelWriteOptions(externalDataFile: "w.bin"))
        let data = try ModelWriter.serialize(try ModelReader.read(path: path))
        let inline = try ModelReader.read(data: data, path: "inline", baseDirectory: nil)
        let big = try #require(inline.graph.initializers.first?.initializer)
        #expect(!big.isExternal)
        #expect(big.dataLocationField == 0, "as onnx.load leaves a tensor it loaded from a side file")
        #expect(try initializerBytes(inline) == (try initializerBytes(try ExternalDataFixture.model())))
    }

    @Test func aModelOverTheProtobufLimitIsExternalizedAutomatically() throws {
        let scratch = try ScratchDirectory()
        var options = ModelWriteOptions()
        options.protobufSizeLimit = 2000
        let report = try ModelWriter.write(
            try ExternalDataFixture.model(), to: scratch.file("m.onnx"), options: options)
        #expect(report.externalDataFile == "m.onnx.data")
        #expect(report.externalTensorCount == 1)
        #expect(report.notes.count == 1)
        #expect(report.notes.first?.contains("2 GiB") == true)
        #expect(try scratch.contents() == ["m.onnx", "m.onnx.data"])
        let read = try ModelReader.read(path: scratch.file("m.onnx"))
        #expect(try initializerBytes(read) == (try initializerBytes(try ExternalDataFixture.model())))
    }

    @Test(arguments: ["/tmp/abs.bin", "../escape.bin", "a/../../escape.bin", "..\\win.bin", "C:\\w.bin", "sub/.."])
    func unsafeLocationsAreRefusedWhenReading(location: String) throws {
        let folder = try ScratchDirectory()
        let (model, _) = try ExternalDataFixture.writeModel(in: folder.path, location: location)
        let error = #expect(throws: OnnxIOError.self) { try ModelReader.read(path: model) }
        #expect(error?.reason == .unsafeExternalLocation(tensor: "w_big", location: location))
        #expect(error?.description.hasPrefix(model + ": tensor 'w_big'") == true)
        let data = try Data(contentsOf: URL(fileURLWithPath: model))
        #expect(throws: OnnxIOError.self) { try ModelReader.read(data: data, path: model, baseDirectory: nil) }
    }

    @Test func aLocationThatStaysInsideAfterNormalizingIsAccepted() throws {
        let folder = try ScratchDirectory()
        let location = "sub/../ppppppppp.bin"
        let (model, sideFile) = try ExternalDataFixture.writeModel(in: folder.path, location: location)
        try FileManager.default.createDirectory(atPath: folder.file("sub"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: sideFile, toPath: folder.file("ppppppppp.bin"))
        let read = try ModelReader.read(path: model)
        #expect(try read.graph.initializers.first?.initializer?.rawBytes() == ExternalDataFixture.bytes(4096))
    }

    @Test func aSymbolicLinkOutOfTheFolderIsRefused() throws {
        let folder = try ScratchDirectory()
        let outside = try ScratchDirectory()
        let (model, sideFile) = try ExternalDataFixture.writeModel(in: folder.path, location: "link.bin")
        try FileManager.default.moveItem(atPath: sideFile, toPath: outside.file("real.bin"))
        try FileManager.default.createSymbolicLink(
            atPath: folder.file("link.bin"), withDestinationPath: outside.file("real.bin"))
        let error = #expect(throws: OnnxIOError.self) { try ModelReader.read(path: model) }
        #expect(error?.reason == .unsafeExternalLocation(tensor: "w_big", location: "link.bin"))
    }

    @Test func aMissingSideFileNamesTheTensorAndTheFile() throws {
        let folder = try ScratchDirectory()
        let (model, sideFile) = try ExternalDataFixture.writeModel(in: folder.path, location: "gone.bin")
        try FileManager.default.removeItem(atPath: sideFile)
        let error = #expect(throws: OnnxIOError.self) { try ModelReader.read(path: model) }
        guard case .externalDataUnreadable(let tensor, let file, _) = error?.reason else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(tensor == "w_big")
        #expect(file.hasSuffix("/gone.bin"))
        #expect(error?.description.hasPrefix(model + ":") == true)
    }

    @Test func aRangePastTheEndOfTheSideFileIsAnError() throws {
        let folder = try ScratchDirectory()
        let (model, sideFile) = try ExternalDataFixture.writeModel(in: folder.path, location: "short.bin")
        try Data(count: 100).write(to: URL(fileURLWithPath: sideFile))
        try FileManager.default.moveItem(atPath: sideFile, toPath: folder.file("short.bin"))
        let error = #expect(throws: OnnxIOError.self) { try ModelReader.read(path: model) }
        guard case .externalDataOutOfRange(let tensor, let file, let message) = error?.reason else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(tensor == "w_big")
        #expect(file.hasSuffix("/short.bin"))
        #expect(message.contains("4096"))
    }

    @Test func theBinderAttachesLoadersToModelsBuiltInMemory() throws {
        let folder = try ScratchDirectory()
        try ExternalDataFixture.bytes(256).write(to: URL(fileURLWithPath: folder.file("w.bin")))
        let model = try ExternalDataFixture.model()
        let entries = [KeyValue("location", "w.bin"), KeyValue("offset", "64"), KeyValue("length", "128")]
        let tensor = Tensor(
            name: "w_big", dataType: .uint8, dims: [128], storage: .external(ExternalData(entries: entries)),
            dataLocationField: 1)
        model.graph.initializers.first?.initializer = tensor
        #expect(throws: OnnxIOError.self) { try ModelWriter.serialize(model) }
        try ExternalDataBinder.bind(model, baseDirectory: folder.path)
        let bound = try #require(model.graph.initializers.first?.initializer)
        #expect(try bound.rawBytes() == ExternalDataFixture.bytes(256).subdata(in: 64..<192))
        #expect(try ModelWriter.serialize(model).count > 128)
    }

    @Test func theBinderRefusesUnsafeLocations() throws {
        let folder = try ScratchDirectory()
        let model = try ExternalDataFixture.model()
        model.graph.initializers.first?.initializer = Tensor(
            name: "w_big", dataType: .uint8, dims: [1],
            storage: .external(ExternalData(entries: [KeyValue("location", "../../etc/passwd")])))
        let error = #expect(throws: OnnxIOError.self) { try ExternalDataBinder.bind(model, baseDirectory: folder.path) }
        #expect(error?.reason == .unsafeExternalLocation(tensor: "w_big", location: "../../etc/passwd"))
        #expect(error?.description.hasPrefix(folder.path) == true)
    }

    @Test(arguments: ["/abs.bin", "../up.bin", "model.onnx"])
    func unsafeSideFileOptionsAreRefused(name: String) throws {
        let scratch = try ScratchDirectory()
        let error = #expect(throws: OnnxIOError.self) {
            try ModelWriter.write(
                try ExternalDataFixture.model(), to: scratch.file("model.onnx"),
                options: ModelWriteOptions(externalDataFile: name))
        }
        guard case .invalidOption = error?.reason else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(try scratch.contents() == [])
    }
}
