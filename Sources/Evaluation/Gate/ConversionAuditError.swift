/// Why a conversion's accuracy could not be measured or its report not written, in one line naming the file or flag.
public enum ConversionAuditError: Error, CustomStringConvertible, Equatable {
    /// `--min-sqnr` without samples to measure on.
    case noEvaluationData
    /// `--perplexity` (and `--max-perplexity-increase`) without samples to measure on.
    case noPerplexityData
    /// `--sensitivity` without samples to measure on.
    case noSensitivityData
    /// `--max-perplexity-increase` without `--perplexity`, so nothing measured perplexity.
    case perplexityNotMeasured
    /// `--min-sqnr`, but no graph output of `model` could be compared.
    case noComparableOutput(model: String)
    /// Perplexity could not be measured (the reason names the tensor and the model or data file).
    case perplexityFailed(reason: String)
    /// Running the evaluation samples through both models failed.
    case measuringFailed(data: String, reason: String)
    /// The `--metric` command could not run or did not print a number.
    case metricFailed(reason: String)
    /// A file could not be read or written.
    case file(path: String, reason: String)

    /// The message, naming the file or flag first.
    public var description: String {
        switch self {
        case .noEvaluationData:
            return "--min-sqnr: needs samples to measure on: give --eval-data or --calib-data"
        case .noPerplexityData:
            return "--perplexity: needs samples to measure on: give --eval-data or --calib-data"
        case .noSensitivityData:
            return "--sensitivity: needs samples to measure on: give --eval-data or --calib-data"
        case .perplexityNotMeasured:
            return "--max-perplexity-increase needs --perplexity INPUT (the token-id input)"
        case .noComparableOutput(let model):
            return "\(model): no graph output could be compared for --min-sqnr"
        case .perplexityFailed(let reason):
            return reason
        case .measuringFailed(let data, let reason):
            return "\(data): measuring accuracy: \(reason)"
        case .metricFailed(let reason):
            return "--metric: \(reason)"
        case .file(let path, let reason):
            // Most underlying errors already start with the path.
            return reason.hasPrefix(path) ? reason : "\(path): \(reason)"
        }
    }
}
