import Foundation
import OnnxIR
import OnnxText

/// libFuzzer's entry point for ONNX text: parse, print and parse back.
///
/// A thrown error is the answer qdqc promises for bad input, so it is no finding; a trap, a sanitizer report,
/// a timeout or running out of memory is. Text that parses prints back (or refuses with an error), and
/// printed text parses again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelText(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    guard let model = try? TextParser.parseModel(text),
        let printed = try? TextPrinter(options: TextPrintOptions(largeTensors: .inline)).print(model)
    else { return 0 }
    do {
        _ = try TextParser.parseModel(printed.text)
    } catch {
        fatalError("printed text does not parse back: \(error)")
    }
    return 0
}
