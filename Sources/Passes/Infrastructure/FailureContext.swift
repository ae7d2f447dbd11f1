import Foundation

/// Turns a failure of one pass into a `PassManagerError`, writing the reproducer when one is asked for.
struct FailureContext {
    let pipeline: Pipeline
    let index: Int
    let passes: [any Pass]
    let reproducer: ReproducerWriter?
    /// The IR before the pass as protobuf bytes, or why it could not be captured.
    let snapshot: Result<Data, Error>?
    let context: PassContext

    func error(reason: String, brokeIR: Bool) -> PassManagerError {
        let reason = IRTreeDumper.oneLine(reason)
        let element = pipeline.elements[index].description
        let position = index + 1
        let count = pipeline.elements.count
        var written: String?
        var fullReason = reason
        if let reproducer, let snapshot {
            do {
                written = try reproducer.write(
                    snapshot: try snapshot.get(), failingAt: index, passes: passes, error: reason, context: context)
            } catch {
                fullReason += " (no reproducer: \(IRTreeDumper.oneLine("\(error)")))"
            }
        }
        if brokeIR {
            return .invalidIRAfterPass(
                element: element, position: position, count: count, reason: fullReason, reproducer: written)
        }
        return .passFailed(
            element: element, position: position, count: count, reason: fullReason, reproducer: written)
    }
}
