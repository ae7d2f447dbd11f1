import Foundation
import OnnxIR
import Testing

@testable import TensorFiles

/// Reading a 100 MB `.npy` goes straight into the tensor's buffer; the throughput is printed, not asserted.
@Suite struct ReadSpeedTests {
    @Test func hundredMegabyteNpy() throws {
        let scratch = try ScratchFolder()
        let path = scratch.file("big.npy")
        let count = 25_000_000
        let values = (0..<count).map { Float($0 % 1000) }
        try NpyFile.write(try Tensor(floats: values, dims: [5000, 5000]), to: path)
        let start = Date()
        let tensor = try NpyFile.read(path: path)
        let seconds = Date().timeIntervalSince(start)
        let megabytes = Double(count * 4) / 1e6
        print(
            "read \(Int(megabytes)) MB .npy in \(String(format: "%.3f", seconds)) s "
                + "(\(Int(megabytes / seconds)) MB/s, file in page cache)")
        #expect(tensor.dims == [5000, 5000])
        let bytes = try tensor.rawBytes()
        #expect(bytes.count == count * 4)
        bytes.withUnsafeBytes { raw in
            let floats = raw.bindMemory(to: Float.self)
            #expect(floats[count - 1] == Float((count - 1) % 1000))
            #expect(floats[123_457] == 457)
        }
    }
}
