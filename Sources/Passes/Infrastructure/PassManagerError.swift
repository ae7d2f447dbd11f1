/// A pipeline run that stopped: a pass threw, broke the IR, or a dump could not be written.
public enum PassManagerError: Error, Equatable, CustomStringConvertible {
    /// Pass `element` (at `position` of `count`) threw.
    case passFailed(element: String, position: Int, count: Int, reason: String, reproducer: String?)
    /// After pass `element` the verifier rejected the model.
    case invalidIRAfterPass(element: String, position: Int, count: Int, reason: String, reproducer: String?)
    /// A dump file could not be written.
    case dumpFailed(path: String, reason: String)

    /// A one-line explanation naming the pass and, if written, the reproducer.
    public var description: String {
        switch self {
        case .passFailed(let element, let position, let count, let reason, let reproducer):
            return "pass '\(element)' (\(position) of \(count)) failed: \(reason)" + Self.note(reproducer)
        case .invalidIRAfterPass(let element, let position, let count, let reason, let reproducer):
            return "pass '\(element)' (\(position) of \(count)) left invalid IR: \(reason)" + Self.note(reproducer)
        case .dumpFailed(let path, let reason):
            return "\(path): cannot write IR dump: \(reason)"
        }
    }

    private static func note(_ reproducer: String?) -> String {
        reproducer.map { "; reproducer written to \($0)" } ?? ""
    }
}
