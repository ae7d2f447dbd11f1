import Foundation
import OnnxIR
import Testing

@testable import TensorFiles

/// We write, numpy reads: every dtype numpy has, as `.npy` and inside stored and deflated `.npz`.
@Suite struct NpyWriteTests {
    /// One tensor per numpy-representable type, with awkward values.
    static func sampleTensors() throws -> [(name: String, tensor: Tensor)] {
        let values: [Float] = [0, 1, -2, 100, -128, 127]
        var tensors: [(String, Tensor)] = []
        let types: [DataType] = [.int8, .int16, .int32, .int64, .double, .float16]
        for type in types {
            tensors.append(("t_\(type)", try Tensor(floats: values, dataType: type, dims: [2, 3])))
        }
        let unsignedTypes: [DataType] = [.uint8, .uint16, .uint32, .uint64]
        for type in unsignedTypes {
            tensors.append(("t_\(type)", try Tensor(floats: [0, 1, 2, 200, 255, 7], dataType: type, dims: [3, 2])))
        }
        tensors.append(("t_float", try Tensor(floats: [1.5, -0.0, .infinity, 0x1p-130, 1e30, .pi], dims: [6])))
        tensors.append(("t_bool", try Tensor(floats: [1, 0, 0, 1], dataType: .bool, dims: [2, 2])))
        tensors.append(("t_scalar", try Tensor(floats: [42], dims: [])))
        tensors.append(("t_empty", try Tensor(floats: [], dataType: .int64, dims: [0, 4])))
        let complex = [Float](arrayLiteral: 1, 2, -3, 4.5).withUnsafeBytes { Data($0) }
        tensors.append(("t_complex64", Tensor(dataType: .complex64, dims: [2], storage: .raw(complex))))
        return tensors
    }

    /// Checks each `<name>.npy` (and the two archives) against `<name>.bin` and `<name>.json`.
    static let checkScript = #"""
        import sys, json, zipfile, numpy as np
        folder = sys.argv[1]
        for archive in ('stored', 'deflated'):
            with zipfile.ZipFile(f'{folder}/{archive}.npz') as members:
                assert members.testzip() is None, archive  # every member's CRC-32 and size
        expected = json.load(open(f'{folder}/expected.json'))
        stored = np.load(f'{folder}/stored.npz')
        deflated = np.load(f'{folder}/deflated.npz')
        assert sorted(stored.files) == sorted(expected), (stored.files, list(expected))
        for name, (descr, shape) in expected.items():
            raw = open(f'{folder}/{name}.bin', 'rb').read()
            for array in (np.load(f'{folder}/{name}.npy', allow_pickle=False), stored[name], deflated[name]):
                assert array.dtype.str == descr, (name, array.dtype.str, descr)
                assert list(array.shape) == shape, (name, array.shape, shape)
                assert array.tobytes() == raw, name
        print('ok', len(expected))
        """#

    @Test func numpyReadsWhatWeWrite() throws {
        let scratch = try ScratchFolder()
        let tensors = try Self.sampleTensors()
        var expected: [String: Any] = [:]
        for (name, tensor) in tensors {
            try NpyFile.write(tensor, to: scratch.file(name + ".npy"))
            try tensor.rawBytes().write(to: URL(fileURLWithPath: scratch.file(name + ".bin")))
            let descr = try #require(NumpyDType.descr(for: tensor.dataType))
            expected[name] = [descr, tensor.dims.map(Int.init)] as [Any]
        }
        try JSONSerialization.data(withJSONObject: expected).write(
            to: URL(fileURLWithPath: scratch.file("expected.json")))
        try NpzWriter.write(tensors, to: scratch.file("stored.npz"))
        try NpzWriter.write(tensors, to: scratch.file("deflated.npz"), compression: .deflated)
        let output = try Python.run(Self.checkScript, [scratch.path])
        #expect(output.hasPrefix("ok \(tensors.count)"))
    }

    @Test func writeThenReadGivesTheSameTensor() throws {
        let scratch = try ScratchFolder()
        for (name, tensor) in try Self.sampleTensors() {
            let path = scratch.file(name + ".npy")
            try NpyFile.write(tensor, to: path)
            let back = try NpyFile.read(path: path)
            #expect(back.dataType == tensor.dataType, "\(name)")
            #expect(back.dims == tensor.dims, "\(name)")
            #expect(try back.rawBytes() == tensor.rawBytes(), "\(name)")
            #expect(try NpyFile.decode(NpyFile.encode(tensor), path: name).rawBytes() == tensor.rawBytes())
        }
    }

    @Test func headersAreAlignedTo64Bytes() throws {
        let encoded = try NpyFile.encode(try Tensor(floats: [1, 2, 3], dims: [3]))
        #expect((encoded.count - 12) % 64 == 0)
        #expect(Array(encoded.prefix(8)) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
    }

    @Test func typesNumpyLacksAreRefused() throws {
        let scratch = try ScratchFolder()
        let tensor = try Tensor(floats: [1, 2], dataType: .bfloat16, dims: [2])
        let path = scratch.file("bf16.npy")
        #expect {
            try NpyFile.write(tensor, to: path)
        } throws: { error in
            (error as? TensorFileError)?.description.contains("bfloat16") == true
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
