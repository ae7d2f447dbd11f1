/// The accuracy of one graph output of the quantized model against the float model.
public struct ReportOutputAccuracy: Sendable, Equatable, Codable {
    /// The output's name.
    public var output: String
    /// SQNR in dB over all evaluated samples.
    public var sqnr: Double
    /// Cosine similarity.
    public var cosine: Double
    /// Largest absolute difference.
    public var maxAbsError: Double
    /// Elements that are NaN or infinite where the float model's are finite (the SQNR is then
    /// `ErrorAccumulator.brokenSQNR`); nil when there are none.
    public var brokenElements: Int?

    /// Creates the entry from a comparison row.
    public init(row: TensorComparison) {
        output = row.tensor
        sqnr = row.sqnr
        cosine = row.cosine
        maxAbsError = row.maxAbsError
        brokenElements = row.brokenElements > 0 ? row.brokenElements : nil
    }
}
