import Foundation
import OnnxIR
import Testing

@testable import TensorFiles

/// One tensor per file, format chosen by extension: `.npy` or ONNX `TensorProto` `.pb`.
@Suite struct TensorFileTests {
    @Test func protobufTensorsRoundTripThroughOnnx() throws {
        let scratch = try ScratchFolder()
        let path = scratch.file("w.pb")
        try TensorFile.write(try Tensor(floats: [1, -2, 3.5, 0], dims: [2, 2], name: "w"), to: path)
        let output = try Python.run(
            "import sys, onnx; from onnx import numpy_helper; t = onnx.load_tensor(sys.argv[1]); "
                + "print(t.name, numpy_helper.to_array(t).tolist())", [path])
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "w [[1.0, -2.0], [3.5, 0.0]]")
        let back = try TensorFile.read(path: path)
        #expect(back.name == "w")
        #expect(try back.floatValues() == [1, -2, 3.5, 0])
    }

    @Test func unknownExtensionsAndBrokenProtobufAreTensorFileErrors() throws {
        let scratch = try ScratchFolder()
        let text = scratch.file("notes.txt")
        try Data("hello".utf8).write(to: URL(fileURLWithPath: text))
        #expect(throws: TensorFileError.self) { try TensorFile.read(path: text) }
        let broken = scratch.file("broken.pb")
        try Data([0x0A, 0xFF, 0xFF, 0xFF, 0x0F]).write(to: URL(fileURLWithPath: broken))
        #expect {
            try TensorFile.read(path: broken)
        } throws: { error in
            (error as? TensorFileError)?.path == broken
        }
        #expect(TensorFile.isTensorFile("a/b.NPY"))
        #expect(!TensorFile.isTensorFile("a/b.npz"))
    }
}
