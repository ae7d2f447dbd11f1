import Foundation
import OnnxIO
import OnnxIR

/// libFuzzer's entry point for protobuf models: read, verify, write and read back.
///
/// A thrown error is the answer qdqc promises for bad input, so it is no finding; a trap, a sanitizer report,
/// a timeout or running out of memory is. What reads, verifies and writes (writing refuses tensors whose bytes
/// live in an external file no folder was given for) must read back and write to the same bytes again: qdqc
/// writes only models it can read, losslessly.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelReader(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Data(bytes: start, count: count)
    guard let model = try? ModelReader.read(data: bytes, path: "fuzz.onnx", baseDirectory: nil),
        (try? Verifier().verify(model)) != nil
    else { return 0 }
    guard let written = try? ModelWriter.serialize(model) else { return 0 }
    do {
        let again = try ModelReader.read(data: written, path: "rewritten.onnx", baseDirectory: nil)
        guard try ModelWriter.serialize(again) == written else {
            fatalError("writing the model read back gives other bytes")
        }
    } catch {
        fatalError("a model qdqc wrote does not read back: \(error)")
    }
    return 0
}
