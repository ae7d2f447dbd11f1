/// Turns a failure of one pass into a `PassManagerError`, writing the reproducer when dumps are on.
struct FailureContext {
    let element: String
    let position: Int
    let count: Int
    let dumper: IRTreeDumper?
    let lastDump: IRTreeDumper.Dump?

    func error(reason: String, brokeIR: Bool) -> PassManagerError {
        let reason = IRTreeDumper.oneLine(reason)
        var reproducer: String?
        var fullReason = reason
        if let dumper, let lastDump {
            do {
                reproducer = try dumper.writeReproducer(
                    before: lastDump, failingPosition: position, element: element, error: reason)
            } catch {
                fullReason += " (no reproducer: \(error))"
            }
        }
        if brokeIR {
            return .invalidIRAfterPass(
                element: element, position: position, count: count, reason: fullReason, reproducer: reproducer)
        }
        return .passFailed(
            element: element, position: position, count: count, reason: fullReason, reproducer: reproducer)
    }
}
