import Foundation
import OnnxIR
import Testing

@testable import OnnxIO

/// Memory-mapped weights give their pages back when asked, and read the same afterwards.
@Suite struct ResidentPagesTests {
    /// A model with one float tensor of `count` elements in `weights.bin`, read back (so the tensor is mapped).
    private func mappedModel(in scratch: ScratchDirectory, count: Int) throws -> (Model, Data) {
        let values = (0..<count).map { Float($0 % 1000) * 0.5 }
        let bytes = values.withUnsafeBytes { Data($0) }
        let builder = GraphBuilder(name: "g")
        builder.addInput(name: "x", type: .tensor(.float, Shape(static: [Int64(count)])))
        builder.addInitializer(Tensor.floats(values, dims: [Int64(count)], name: "w"))
        try builder.addNode(
            opType: "Add", domain: nil, name: "add", inputNames: ["x", "w"], outputNames: ["y"], attributes: [])
        builder.addOutput(name: "y", type: .tensor(.float, Shape(static: [Int64(count)])))
        let model = Model(
            graph: try builder.finish(), irVersion: 10, opsetImports: [OpsetImport(domain: "", version: 21)])
        let path = scratch.file("model.onnx")
        try ModelWriter.write(model, to: path, options: ModelWriteOptions(externalDataFile: "weights.bin"))
        return (try ModelReader.read(path: path), bytes)
    }

    /// Resident bytes of this process's mappings of `path` (the `Rss:` lines of /proc/self/smaps); fails the
    /// test when the file is not mapped at all, so that a check of "few pages" cannot pass by finding none.
    private func residentBytes(ofMappingsOf path: String) throws -> Int {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let found = try MappedResidency.resident { $0 == resolved || $0 == path }
        try #require(found.mappings > 0, "\(path) is not mapped")
        return found.bytes
    }

    @Test func releasingAReadTensorDropsItsPagesAndItStillReadsTheSame() throws {
        let scratch = try ScratchDirectory()
        let count = 1 << 20  // 4 MiB
        let (model, expected) = try mappedModel(in: scratch, count: count)
        let tensor = try #require(model.graph.initializers.first?.initializer)
        #expect(tensor.isExternal)
        let sideFile = scratch.file("weights.bin")
        #expect(try tensor.rawBytes() == expected)
        let touched = try residentBytes(ofMappingsOf: sideFile)
        #expect(touched >= 4 << 20, "comparing the bytes should have paged the whole tensor in (\(touched))")
        tensor.releaseResidentPages()
        let released = try residentBytes(ofMappingsOf: sideFile)
        #expect(released <= 2 * 4096, "at most the two pages shared with the file's neighbours stay (\(released))")
        #expect(try tensor.rawBytes() == expected, "a released tensor reads its bytes again from the file")
    }

    @Test func writingAMappedModelReleasesEachTensorOnceWritten() throws {
        let scratch = try ScratchDirectory()
        let (model, expected) = try mappedModel(in: scratch, count: 1 << 20)
        try FileManager.default.createDirectory(atPath: scratch.file("out"), withIntermediateDirectories: true)
        try ModelWriter.write(model, to: scratch.file("out/model.onnx"))
        #expect(try residentBytes(ofMappingsOf: scratch.file("weights.bin")) <= 2 * 4096)
        let written = try ModelReader.read(path: scratch.file("out/model.onnx"))
        #expect(try written.graph.initializers.first?.initializer?.rawBytes() == expected)
    }

    @Test func streamingSerializationGivesTheBytesOfSerializeAndReleasesThePages() throws {
        let scratch = try ScratchDirectory()
        let (model, _) = try mappedModel(in: scratch, count: 1 << 20)
        var streamed = Data()
        var pieces = 0
        try ModelWriter.serialize(model) { piece in
            streamed.append(contentsOf: piece)
            pieces += 1
        }
        #expect(pieces > 1)
        #expect(try residentBytes(ofMappingsOf: scratch.file("weights.bin")) <= 2 * 4096)
        #expect(streamed == (try ModelWriter.serialize(model)))
    }
}
