import Foundation
import OnnxIO
import OnnxIR
import Testing

@Suite struct CorruptInputTests {
    /// A protobuf length-delimited field.
    private func field(_ number: UInt8, _ payload: Data) -> Data {
        var result = Data([number << 3 | 2])
        var length = payload.count
        repeat {
            result.append(UInt8(length & 0x7f) | (length >= 0x80 ? 0x80 : 0))
            length >>= 7
        } while length > 0
        return result + payload
    }

    /// A model whose first graph input has a type nested `depth` sequences deep.
    ///
    /// Each level is `TypeProto { sequence_type { elem_type: <next level> } }`; the
    /// lengths are worked out inside out first so the bytes are written in linear time.
    private func nestedTypeModel(depth: Int) -> Data {
        func varintSize(_ value: Int) -> Int { value < 0x80 ? 1 : 1 + varintSize(value >> 7) }
        var typeLengths = [Int](repeating: 0, count: depth + 1)
        var sequenceLengths = [Int](repeating: 0, count: depth)
        for level in stride(from: depth - 1, through: 0, by: -1) {
            let inner = typeLengths[level + 1]
            sequenceLengths[level] = 1 + varintSize(inner) + inner
            typeLengths[level] = 1 + varintSize(sequenceLengths[level]) + sequenceLengths[level]
        }
        var type = Data(capacity: typeLengths.first ?? 0)
        func appendVarint(_ value: Int) {
            var value = value
            repeat {
                type.append(UInt8(value & 0x7f) | (value >= 0x80 ? 0x80 : 0))
                value >>= 7
            } while value > 0
        }
        for level in 0..<depth {
            type.append(4 << 3 | 2)
            appendVarint(sequenceLengths[level])
            type.append(1 << 3 | 2)
            appendVarint(typeLengths[level + 1])
        }
        let input = field(1, Data("x".utf8)) + field(2, type)
        return field(7, field(11, input))  // ModelProto.graph.input
    }

    @Test func aMissingFileIsReported() {
        let error = #expect(throws: OnnxIOError.self) { try ModelReader.read(path: "/nonexistent/model.onnx") }
        #expect(error?.reason == .fileNotFound)
        #expect(error?.description == "/nonexistent/model.onnx: no such file")
    }

    @Test func anEmptyFileIsReported() throws {
        let scratch = try ScratchDirectory()
        try Data().write(to: URL(fileURLWithPath: scratch.file("empty.onnx")))
        let error = #expect(throws: OnnxIOError.self) { try ModelReader.read(path: scratch.file("empty.onnx")) }
        #expect(error?.reason == .emptyFile)
        #expect(error?.description.hasPrefix(scratch.file("empty.onnx") + ": ") == true)
        #expect(throws: OnnxIOError.self) { try ModelReader.read(data: Data(), path: "x", baseDirectory: nil) }
    }

    @Test func aFolderIsNotAModel() throws {
        let scratch = try ScratchDirectory()
        #expect(throws: OnnxIOError.self) { try ModelReader.read(path: scratch.path) }
    }

    @Test func aTruncatedModelIsReported() throws {
        let bytes = try ModelWriter.serialize(try SyntheticModel.make())
        let error = #expect(throws: OnnxIOError.self) {
            try ModelReader.read(data: bytes.prefix(bytes.count / 2), path: "cut.onnx", baseDirectory: nil)
        }
        guard case .notProtobuf = error?.reason else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(error?.description.hasPrefix("cut.onnx: not a valid ONNX model") == true)
    }

    @Test func everyTruncationEitherReadsOrThrowsAnIOError() throws {
        let bytes = try ModelWriter.serialize(try SyntheticModel.make())
        for length in stride(from: 1, to: bytes.count, by: 53) {
            do {
                _ = try ModelReader.read(data: bytes.prefix(length), path: "cut.onnx", baseDirectory: nil)
            } catch let error as OnnxIOError {
                #expect(error.description.hasPrefix("cut.onnx: "))
            }
        }
    }

    @Test func randomBytesAreNotAModel() {
        var random = SeededBytes(seed: 42)
        for size in [1, 7, 100, 4096, 65536] {
            let error = #expect(throws: OnnxIOError.self) {
                try ModelReader.read(data: random.next(size), path: "random.onnx", baseDirectory: nil)
            }
            #expect(error?.description.hasPrefix("random.onnx: ") == true)
        }
    }

    @Test func flippedBytesNeverCrash() throws {
        let bytes = try ModelWriter.serialize(try SyntheticModel.make())
        var random = SeededBytes(seed: 7)
        for _ in 0..<200 {
            var damaged = bytes
            for byte in random.next(4) {
                let index = Int(byte) * bytes.count / 256
                damaged[index] ^= random.next(1)[0] | 1
            }
            do {
                let model = try ModelReader.read(data: damaged, path: "flipped.onnx", baseDirectory: nil)
                _ = try? ModelWriter.serialize(model)
            } catch is OnnxIOError {}
        }
    }

    @Test func aModelWithoutAGraphIsReported() {
        let error = #expect(throws: OnnxIOError.self) {
            try ModelReader.read(data: Data([0x08, 0x07]), path: "nograph.onnx", baseDirectory: nil)
        }
        #expect(error?.reason == .missingGraph)
        #expect(error?.description == "nograph.onnx: the model has no graph")
    }

    @Test func anUndefinedNameIsAnInvalidModel() throws {
        let node = field(1, Data("missing".utf8)) + field(2, Data("y".utf8)) + field(4, Data("Relu".utf8))
        let bytes = field(7, field(1, node) + field(12, field(1, Data("y".utf8))))
        let error = #expect(throws: OnnxIOError.self) {
            try ModelReader.read(data: bytes, path: "undefined.onnx", baseDirectory: nil)
        }
        guard case .invalidModel(let message) = error?.reason else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(message.contains("missing"))
    }

    @Test func deepNestingIsRefusedWithoutExhaustingTheStack() throws {
        let shallow = try ModelReader.read(data: nestedTypeModel(depth: 20), path: "ok.onnx", baseDirectory: nil)
        var type = shallow.graph.inputs.first?.type
        var levels = 0
        while case .sequence(let element)? = type?.kind {
            levels += 1
            type = element
        }
        #expect(levels == 20)
        let error = #expect(throws: OnnxIOError.self) {
            try ModelReader.read(data: nestedTypeModel(depth: 100_000), path: "deep.onnx", baseDirectory: nil)
        }
        guard case .nestingTooDeep = error?.reason else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
    }

    @Test func corruptTensorFilesAreReported() throws {
        let scratch = try ScratchDirectory()
        try Data().write(to: URL(fileURLWithPath: scratch.file("empty.pb")))
        #expect(throws: OnnxIOError.self) { try TensorProtoFile.read(path: scratch.file("empty.pb")) }
        try Data([0x0a, 0xff, 0xff]).write(to: URL(fileURLWithPath: scratch.file("bad.pb")))
        let error = #expect(throws: OnnxIOError.self) { try TensorProtoFile.read(path: scratch.file("bad.pb")) }
        #expect(error?.description.hasPrefix(scratch.file("bad.pb") + ": not a valid TensorProto") == true)
        #expect(throws: OnnxIOError.self) { try TensorProtoFile.read(path: scratch.file("missing.pb")) }
    }

    @Test func corruptDeviceConfigurationBytesAreReportedOnWrite() throws {
        let model = try ExternalDataFixture.model()
        model.graph.nodes.first?.deviceConfigurations = [EncodedMessage(bytes: Data([0x0a, 0x09]))]
        let error = #expect(throws: OnnxIOError.self) { try ModelWriter.serialize(model) }
        #expect(error?.description.contains("NodeDeviceConfigurationProto (node 'add'") == true)
    }
}
