import Foundation
import OnnxIR
import Testing

@testable import OnnxIO

/// Tensors added to a graph with a spill go to an unnamed file, read the same, give their pages back, and the
/// model written from them is the same, byte for byte, as without the spill.
@Suite struct TensorSpillFileTests {
    /// A model whose graph gets `spill` (if any) before its initializers: a large int8 and float tensor, a small one.
    private func model(spill: TensorSpill?) throws -> Model {
        let large = (0..<(1 << 20)).map { Float($0 % 977) * 0.25 }
        let codes = Data((0..<300_001).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let builder = GraphBuilder(name: "g")
        builder.graph.tensorSpill = spill
        builder.addInput(name: "x", type: .tensor(.float, Shape(static: [Int64(large.count)])))
        builder.addInitializer(Tensor.floats(large, dims: [Int64(large.count)], name: "w"))
        builder.addInitializer(Tensor(name: "codes", dataType: .int8, dims: [300_001], storage: .raw(codes)))
        builder.addInitializer(Tensor.floats([1, 2, 3], dims: [3], name: "small"))
        try builder.addNode(
            opType: "Add", domain: nil, name: "add", inputNames: ["x", "w"], outputNames: ["y"], attributes: [])
        builder.addOutput(name: "y", type: .tensor(.float, Shape(static: [Int64(large.count)])))
        builder.addOutput(name: "codes", type: nil)
        builder.addOutput(name: "small", type: nil)
        return Model(graph: try builder.finish(), irVersion: 10, opsetImports: [OpsetImport(domain: "", version: 21)])
    }

    /// Resident bytes and count of the spill's mappings: unlinked files in `folder`.
    private func spillResidency(in folder: String) throws -> (mappings: Int, bytes: Int) {
        let resolved = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        return try MappedResidency.resident { $0.hasPrefix(resolved + "/") && $0.hasSuffix(" (deleted)") }
    }

    @Test func largeTensorsAreSpilledReadTheSameAndLeaveNoFile() throws {
        let scratch = try ScratchDirectory()
        let spill = TensorSpillFile(folder: scratch.path)
        let spilled = try model(spill: spill)
        let plain = try model(spill: nil)
        #expect(spill.tensorCount == 2 && spill.failure == nil)
        for (value, expected) in zip(spilled.graph.initializers, plain.graph.initializers) {
            let tensor = try #require(value.initializer)
            #expect((tensor.mappedPages != nil) == (value.name != "small"), "\(value.name)")
            guard case .raw(let bytes) = tensor.storage else {
                Issue.record("\(value.name) is no longer raw_data")
                continue
            }
            #expect(bytes == (try expected.initializer?.rawBytes()), "\(value.name)")
        }
        #expect(try scratch.contents().isEmpty, "the spill file has no name in the folder")
        let touched = try spillResidency(in: scratch.path)
        #expect(touched.mappings == 2 && touched.bytes >= 4 << 20, "\(touched)")
        for value in spilled.graph.initializers { value.initializer?.releaseResidentPages() }
        #expect(try spillResidency(in: scratch.path).bytes == 0)
        #expect(
            try spilled.graph.initializers.first?.initializer?.rawBytes()
                == plain.graph.initializers.first?.initializer?.rawBytes(), "released bytes read again from the file")
    }

    @Test func theWrittenModelIsTheSameByteForByteAndWritingReleasesThePages() throws {
        let scratch = try ScratchDirectory()
        let spillFolder = scratch.file("spill")
        try FileManager.default.createDirectory(atPath: spillFolder, withIntermediateDirectories: true)
        let spilled = try model(spill: TensorSpillFile(folder: spillFolder))
        let plain = try model(spill: nil)
        #expect(try ModelWriter.serialize(spilled) == ModelWriter.serialize(plain))
        for (name, options) in [
            ("inline", ModelWriteOptions()), ("external", ModelWriteOptions(externalDataFile: "model.data")),
        ] {
            for (label, model) in [("spilled", spilled), ("plain", plain)] {
                let folder = scratch.file("\(name)-\(label)")
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try ModelWriter.write(model, to: folder + "/model.onnx", options: options)
                if label == "spilled" { #expect(try spillResidency(in: spillFolder).bytes == 0, "\(name)") }
            }
            for file in ["model.onnx", "model.data"] {
                let spilledBytes = FileManager.default.contents(atPath: scratch.file("\(name)-spilled/\(file)"))
                #expect(spilledBytes == FileManager.default.contents(atPath: scratch.file("\(name)-plain/\(file)")))
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: spillFolder).isEmpty)
    }

    @Test func aSpilledTensorGivenNewBytesIsSpilledAnew() throws {
        let scratch = try ScratchDirectory()
        let spill = TensorSpillFile(folder: scratch.path)
        let spilled = try model(spill: spill)
        var changed = try #require(spilled.graph.initializers.first?.initializer)
        #expect(changed.mappedPages != nil)
        let doubled = (0..<(1 << 20)).map { Float($0 % 977) * 0.5 }
        changed.storage = .raw(doubled.withUnsafeBytes { Data($0) })
        #expect(changed.mappedPages == nil, "the handle belonged to the old bytes")
        let added = spilled.graph.addInitializer(changed, name: "w_doubled")
        #expect(added.initializer?.mappedPages != nil && spill.tensorCount == 3)
        #expect(try added.initializer?.rawBytes() == doubled.withUnsafeBytes { Data($0) })
    }

    @Test func aFolderThatCannotHoldTheSpillKeepsTensorsInMemory() throws {
        let scratch = try ScratchDirectory()
        let spill = TensorSpillFile(folder: scratch.file("missing"))
        let spilled = try model(spill: spill)
        #expect(spill.tensorCount == 0)
        #expect(spill.failure?.contains(scratch.file("missing")) == true, "\(spill.failure ?? "no failure")")
        #expect(spilled.graph.initializers.allSatisfy { $0.initializer?.mappedPages == nil })
    }
}
