/// How close one quantized tensor inside an If/Loop/Scan body came to the float model's, in the report.
///
/// Named by its path (`gate|then_branch|t_mm`, `ScopedValueNames`); a Loop or Scan body's tensor is measured
/// over every iteration of every evaluation sample, an If branch's over the samples that took it.
public struct ReportBodyTensor: Sendable, Equatable, Codable {
    /// The tensor's path name.
    public var tensor: String
    /// `activation` or `weight`.
    public var kind: String
    /// SQNR in dB (ONNX Runtime qdq_loss_debug's definition).
    public var sqnr: Double
    /// Cosine similarity with the float tensor.
    public var cosine: Double
    /// The largest absolute difference.
    public var maxAbsError: Double
    /// How many times it was compared: once per sample that took an If branch, once per loop iteration.
    public var samples: Int

    /// The report row of one comparison row.
    public init(row: TensorComparison) {
        tensor = row.tensor
        kind = row.kind.rawValue
        sqnr = row.sqnr
        cosine = row.cosine
        maxAbsError = row.maxAbsError
        samples = row.samples
    }
}
