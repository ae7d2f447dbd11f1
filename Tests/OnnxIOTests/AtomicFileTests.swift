import Foundation
import OnnxIO
import OnnxIR
import Testing

@Suite struct AtomicFileTests {
    private struct Failure: Error {}

    @Test func writesAndReplacesAFile() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("f.bin")
        try AtomicFile.write(Data([1, 2, 3]), to: path)
        try AtomicFile.write(Data([4, 5]), to: path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([4, 5]))
        #expect(try scratch.contents() == ["f.bin"])
    }

    @Test func aThrowingBodyLeavesNothingBehind() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("f.bin")
        #expect(throws: Failure.self) {
            try AtomicFile.write(to: path) { temporary in
                try Data([9, 9]).write(to: URL(fileURLWithPath: temporary))
                throw Failure()
            }
        }
        #expect(try scratch.contents() == [])
    }

    @Test func aThrowingBodyLeavesTheOldFileUntouched() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("f.bin")
        try AtomicFile.write(Data([1]), to: path)
        #expect(throws: Failure.self) {
            try AtomicFile.write(to: path) { temporary in
                try Data([2]).write(to: URL(fileURLWithPath: temporary))
                throw Failure()
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([1]))
        #expect(try scratch.contents() == ["f.bin"])
    }

    @Test func aMissingFolderIsReportedAgainstTheDestination() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("no/such/folder/f.bin")
        let error = #expect(throws: OnnxIOError.self) { try AtomicFile.write(Data([1]), to: path) }
        #expect(error?.description.hasPrefix(path + ": ") == true)
    }

    @Test func aFailedModelWriteLeavesNeitherModelNorSideFile() throws {
        let scratch = try ScratchDirectory()
        let model = try ExternalDataFixture.model()
        // The second tensor's bytes are external with no loader, so writing fails after the first went out.
        model.graph.initializers.last?.initializer = Tensor(
            name: "w_small", dataType: .float, dims: [4],
            storage: .external(ExternalData(entries: [KeyValue("location", "gone.bin")])))
        let error = #expect(throws: OnnxIOError.self) {
            try ModelWriter.write(
                model, to: scratch.file("m.onnx"), options: ModelWriteOptions(externalDataFile: "m.bin"))
        }
        #expect(error?.reason == .externalDataUnavailable(tensor: "w_small", location: "gone.bin"))
        #expect(error?.description.hasPrefix(scratch.file("m.onnx") + ": ") == true)
        #expect(try scratch.contents() == [])
    }
}
