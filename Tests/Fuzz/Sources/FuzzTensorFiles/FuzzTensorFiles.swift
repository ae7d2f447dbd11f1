import Foundation
import OnnxIR
import TensorFiles

/// The file an `.npz` input is written to: `NpzReader` reads archives from a path.
private let npzPath = FileManager.default.temporaryDirectory
    .appendingPathComponent("qdqc-fuzz-\(ProcessInfo.processInfo.processIdentifier).npz").path

/// libFuzzer's entry point for `.npy` and `.npz` files: an input that starts like a zip archive is read as
/// an `.npz` (every member), any other as an `.npy`.
///
/// A thrown error is the answer qdqc promises for bad input, so it is no finding; a trap, a sanitizer report,
/// a timeout or running out of memory is. Every tensor read holds exactly the bytes its shape needs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTensorFiles(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Data(bytes: start, count: count)
    if bytes.starts(with: [0x50, 0x4B]) {
        do {
            try bytes.write(to: URL(fileURLWithPath: npzPath))
        } catch {
            fatalError("cannot write \(npzPath): \(error)")
        }
        defer { unlink(npzPath) }
        guard let tensors = try? NpzReader(path: npzPath).readAll() else { return 0 }
        tensors.values.forEach(checkSize)
    } else if let tensor = try? NpyFile.decode(bytes, path: "fuzz.npy") {
        checkSize(tensor)
    }
    return 0
}

/// Traps unless `tensor`'s bytes are exactly what its element type and dims need.
private func checkSize(_ tensor: Tensor) {
    guard let elements = ElementCount.of(tensor.dims),
        let expected = ElementCount.bytes(elements: elements, of: tensor.dataType)
    else {
        fatalError("a tensor read has dims \(tensor.dims) whose size overflows")
    }
    guard let actual = try? tensor.rawBytes().count, actual == expected else {
        fatalError("a tensor read has dims \(tensor.dims) but not the \(expected) bytes they need")
    }
}
