/// What a pass may use besides the model while it runs.
public struct PassContext {
    /// Receives remarks: one-line notes a user may want to see (the CLI prints them unless `--quiet`).
    public var remark: (String) -> Void

    /// Creates a context; remarks are dropped unless a handler is given.
    public init(remark: @escaping (String) -> Void = { _ in }) {
        self.remark = remark
    }
}
