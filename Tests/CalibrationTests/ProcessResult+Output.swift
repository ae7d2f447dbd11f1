import TestSupport

extension ProcessResult {
    /// The standard output of a run that succeeded; otherwise an error with the run's summary.
    func checkedOutput() throws -> String {
        guard succeeded else { throw ScriptFailure(description: summary) }
        return standardOutput
    }
}
