import Foundation
import Passes

/// libFuzzer's entry point for pipeline text: parse, print, parse back, and make the passes.
///
/// A thrown error is the answer qdqc promises for bad input, so it is no finding; a trap, a sanitizer report,
/// a timeout or running out of memory is. A pipeline prints to text that parses to the same pipeline.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPipeline(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    guard let pipeline = try? Pipeline.parse(text) else { return 0 }
    do {
        guard try Pipeline.parse(pipeline.description) == pipeline else {
            fatalError("'\(pipeline)' parses back to another pipeline")
        }
    } catch {
        fatalError("'\(pipeline)' does not parse back: \(error)")
    }
    _ = try? PassRegistry().makePasses(pipeline)
    return 0
}
