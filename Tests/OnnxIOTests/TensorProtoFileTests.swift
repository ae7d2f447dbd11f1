import Foundation
import OnnxIO
import OnnxIR
import Testing

@Suite struct TensorProtoFileTests {
    @Test("Every storage form and element type round-trips", arguments: SyntheticModel.tensors().indices)
    func roundTrip(index: Int) throws {
        let scratch = try ScratchDirectory()
        let original = SyntheticModel.tensors()[index]
        let path = scratch.file("t.pb")
        try TensorProtoFile.write(original, to: path)
        let read = try TensorProtoFile.read(path: path)
        #expect(read.name == original.name)
        #expect(read.dataType == original.dataType)
        #expect(read.dims == original.dims)
        #expect(read.segment == original.segment)
        #expect(read.docString == original.docString)
        #expect(read.metadataProps == original.metadataProps)
        if case .strings(let expected) = original.storage {
            guard case .strings(let actual) = read.storage else {
                Issue.record("string storage lost")
                return
            }
            #expect(actual == expected)
        } else {
            #expect(try read.rawBytes() == (try original.rawBytes()))
        }
        let rewritten = scratch.file("again.pb")
        try TensorProtoFile.write(read, to: rewritten)
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: rewritten)) == (try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    /// A length-delimited protobuf field with a short payload.
    private func field(_ number: UInt8, _ payload: Data) -> Data {
        Data([number << 3 | 2, UInt8(payload.count)]) + payload
    }

    /// `TensorProto { dims: 16, data_type: FLOAT, name: "t", external_data: {location: <location>}, data_location: EXTERNAL }`.
    private func externalTensorBytes(location: String) -> Data {
        let entry = field(1, Data("location".utf8)) + field(2, Data(location.utf8))
        return Data([0x08, 16, 0x10, 1]) + field(8, Data("t".utf8)) + field(13, entry) + Data([0x70, 1])
    }

    @Test func anExternalTensorFileReadsItsSideFile() throws {
        let scratch = try ScratchDirectory()
        try ExternalDataFixture.bytes(64).write(to: URL(fileURLWithPath: scratch.file("t.bin")))
        try externalTensorBytes(location: "t.bin").write(to: URL(fileURLWithPath: scratch.file("t.pb")))
        let read = try TensorProtoFile.read(path: scratch.file("t.pb"))
        #expect(read.isExternal)
        #expect(read.dataLocationField == 1)
        #expect(try read.rawBytes() == ExternalDataFixture.bytes(64))
        try TensorProtoFile.write(read, to: scratch.file("inline.pb"))
        let inline = try TensorProtoFile.read(path: scratch.file("inline.pb"))
        #expect(!inline.isExternal)
        #expect(try inline.rawBytes() == ExternalDataFixture.bytes(64))
    }

    @Test func anExternalTensorFileCannotReachOutsideItsFolder() throws {
        let scratch = try ScratchDirectory()
        try externalTensorBytes(location: "../t.bin").write(to: URL(fileURLWithPath: scratch.file("t.pb")))
        let error = #expect(throws: OnnxIOError.self) { try TensorProtoFile.read(path: scratch.file("t.pb")) }
        #expect(error?.reason == .unsafeExternalLocation(tensor: "t", location: "../t.bin"))
    }
}
