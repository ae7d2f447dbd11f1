/// Watches one tensor's values across calibration batches, in memory that does not grow with the number of batches.
///
/// One call to `observe` is one batch: the whole value of the tensor for one run of the
/// model (methods that average over batches, such as min/max with averaging, count calls).
/// The buffer is only read during the call, so an interpreter can pass its own storage.
public protocol Observer {
    /// Adds one batch: the tensor's elements in row-major order and its shape.
    mutating func observe(_ values: UnsafeBufferPointer<Float>, shape: [Int]) throws
    /// The calibration so far; the observer is unchanged and can take more batches afterwards.
    func result() throws -> TensorCalibration
    /// How many numbers (counters, extremes, accumulators) the observer keeps; independent of the batch count.
    var storedNumberCount: Int { get }
}

/// An observer whose accumulated values can be saved as a `TensorCalibrationState` and merged with other runs'.
protocol MergeableObserver: Observer {
    /// What the observer has accumulated so far.
    var state: TensorCalibrationState { get }
}
