/// What converting and measuring one setting gave `TuningSearch`.
public enum TuningOutcome<Payload> {
    /// The SQNRs measured on the evaluation samples, and what the caller keeps if the setting is chosen
    /// (the converted model).
    case measured(TuningMeasurement, Payload)
    /// The setting was not converted, and why; it does not count against the budget.
    case skipped(String)
}
