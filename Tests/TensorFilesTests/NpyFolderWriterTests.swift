import Foundation
import OnnxIR
import Testing

@testable import TensorFiles

/// Outputs written as a folder of `.npy` files get safe, distinct file names.
@Suite struct NpyFolderWriterTests {
    @Test func sanitizesNames() {
        #expect(NpyFolderWriter.fileStem(for: "logits") == "logits")
        #expect(NpyFolderWriter.fileStem(for: "encoder/layer.0/out:0") == "encoder_layer.0_out_0")
        #expect(NpyFolderWriter.fileStem(for: "..") == "_.")
        #expect(NpyFolderWriter.fileStem(for: ".hidden") == "_hidden")
        #expect(NpyFolderWriter.fileStem(for: "") == "_")
        #expect(NpyFolderWriter.fileStem(for: "größe") == "gr__e")
        #expect(NpyFolderWriter.fileStem(for: String(repeating: "a", count: 300)).count == 200)
        #expect(NpyFolderWriter.uniqueStems(for: ["a/b", "a:b", "A_B", "x"]) == ["a_b", "a_b_2", "A_B_3", "x"])
    }

    @Test func numpyReadsTheFolder() throws {
        let scratch = try ScratchFolder()
        let folder = scratch.file("outputs")
        let tensors = [
            (name: "probs/0", tensor: try Tensor(floats: [0.25, 0.75], dims: [1, 2])),
            (name: "count", tensor: try Tensor(floats: [3], dataType: .int64, dims: [])),
        ]
        let stems = try NpyFolderWriter.write(tensors, to: folder)
        #expect(stems == ["probs_0", "count"])
        let output = try Python.run(
            "import sys, numpy as np; a = np.load(sys.argv[1] + '/probs_0.npy'); b = np.load(sys.argv[1] + '/count.npy'); "
                + "print(a.tolist(), a.dtype, b.tolist(), b.dtype, b.shape)", [folder])
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "[[0.25, 0.75]] float32 3 int64 ()")
    }
}
