/// Per-channel largest finite magnitude along one axis (for SmoothQuant), plus the overall extremes.
public struct ChannelAbsMaxObserver: Observer {
    /// The requested axis; negative counts from the end.
    public let axis: Int
    private var extremes = RunningExtremes()
    /// The axis made non-negative by the first batch.
    private var resolvedAxis: Int?
    private var channelMaximum: [Float] = []

    /// Creates an observer for `axis` (negative counts from the last dimension).
    public init(axis: Int) {
        self.axis = axis
    }

    /// Adds one batch; every batch must have the same channel count.
    public mutating func observe(_ values: UnsafeBufferPointer<Float>, shape: [Int]) throws {
        try ObservationShape.validate(shape, count: values.count)
        let resolved = axis < 0 ? axis + shape.count : axis
        guard resolved >= 0 && resolved < shape.count else {
            throw CalibrationError.badBatch(reason: "channel axis \(axis) is out of range for shape \(shape)")
        }
        let channels = shape[resolved]
        if let previous = resolvedAxis {
            guard previous == resolved, channels == channelMaximum.count else {
                throw CalibrationError.badBatch(
                    reason: "shape \(shape) has \(channels) channels on axis \(axis), earlier batches had "
                        + "\(channelMaximum.count)")
            }
        } else {
            resolvedAxis = resolved
            channelMaximum = Array(repeating: 0, count: channels)
        }
        extremes.add(BatchScan(values))
        accumulate(values, channels: channels, inner: shape[(resolved + 1)...].reduce(1, *))
    }

    /// Folds the batch's magnitudes into the per-channel maxima.
    private mutating func accumulate(_ values: UnsafeBufferPointer<Float>, channels: Int, inner: Int) {
        guard channels > 0, inner > 0 else { return }
        channelMaximum.withUnsafeMutableBufferPointer { maximum in
            var channel = 0
            var start = 0
            while start < values.count {
                var largest = maximum[channel]
                for value in values[start..<(start + inner)] where value.isFinite && abs(value) > largest {
                    largest = abs(value)
                }
                maximum[channel] = largest
                start += inner
                channel = channel + 1 == channels ? 0 : channel + 1
            }
        }
    }

    /// The largest finite magnitude per channel so far (0 for a channel without one); empty before the first batch.
    public var channelMaxima: [Float] { channelMaximum }

    /// The overall extremes as the range, with the per-channel maxima.
    public func result() throws -> TensorCalibration {
        TensorCalibration(
            range: extremes.range, observed: extremes.range, counts: extremes.counts,
            channelAbsMax: ChannelAbsMax(axis: resolvedAxis ?? max(axis, 0), values: channelMaximum))
    }

    /// Extremes, counts and one maximum per channel.
    public var storedNumberCount: Int { 8 + channelMaximum.count }
}
