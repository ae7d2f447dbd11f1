/// What one tensor's observer accumulated, in a form that merges exactly with the same tensor's state from other samples.
///
/// Every part is a function of the multiset of values seen, never of their order or batching:
/// finite extremes and value counts (min/max, addition), a `StreamingHistogram` whose power-of-two
/// bins coarsen exactly to the wider of two widths (percentile, MSE, entropy on the `streaming`
/// grid), and a `FixedRangeHistogram` whose range was fixed before any part was made (entropy on the
/// `known-range` grid: the magnitude comes from a merged min/max table, the two-phase protocol of
/// docs/calibration.md). So merging parts in any grouping and order gives the state one process
/// would have reached over all their samples, and the same result, bit for bit.
public struct TensorCalibrationState: Equatable, Sendable {
    /// Finite extremes and value counts.
    var extremes: RunningExtremes
    /// The streaming histogram (percentile, MSE, entropy with `grid=streaming`).
    var streaming: StreamingHistogram?
    /// The known-range histogram (entropy with `grid=known-range`).
    var knownRange: FixedRangeHistogram?
    /// The magnitude the known-range histogram spans; set exactly when `knownRange` is.
    var knownAbsMax: Float?

    /// Batches (tensor values) observed; 0 for a tensor the model never produced as floating point.
    public var batchCount: Int { extremes.counts.batches }

    /// Adds `other`'s values to this state; throws with the reason when the two cannot have come from one run.
    mutating func merge(_ other: TensorCalibrationState) throws {
        guard (streaming == nil) == (other.streaming == nil), (knownRange == nil) == (other.knownRange == nil) else {
            throw CalibrationError.badBatch(reason: "the parts hold different kinds of histogram")
        }
        guard knownAbsMax == other.knownAbsMax else {
            throw CalibrationError.badBatch(
                reason: "the parts were made with different known ranges (\(knownAbsMax ?? 0) and "
                    + "\(other.knownAbsMax ?? 0)): make every part from the same merged min/max table")
        }
        if let histogram = other.streaming {
            guard histogram.binsPerSide == streaming?.binsPerSide else {
                throw CalibrationError.badBatch(reason: "the parts' histograms have different bin counts")
            }
            streaming?.merge(histogram)
        }
        if let histogram = other.knownRange { try knownRange?.merge(histogram) }
        extremes.merge(other.extremes)
    }
}
