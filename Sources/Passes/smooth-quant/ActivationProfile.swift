import Calibration

/// What calibration saw of one activation: per-channel magnitudes and a bounded sample of its rows.
///
/// A row is the vector of all channels at one position (one token, one pixel). The magnitudes
/// come from Calibration's `ChannelAbsMaxObserver`; at most `rowLimit` rows are kept, chosen
/// uniformly over everything seen (reservoir sampling with a fixed seed), so memory is bounded
/// whatever the number of samples.
struct ActivationProfile {
    /// The channel axis, counted from the end (-1 for the last axis).
    let axisFromEnd: Int
    private var magnitudes: ChannelAbsMaxObserver
    private var reservoir: RowReservoir

    /// The kept rows, row-major (`rowCount` rows of `channels` values).
    var rows: [Float] { reservoir.rows }
    /// The number of rows kept.
    var rowCount: Int { reservoir.count }

    /// A profile of channels on `axisFromEnd`, keeping up to `rowLimit` rows.
    init(axisFromEnd: Int, rowLimit: Int, seed: UInt64) {
        self.axisFromEnd = axisFromEnd
        magnitudes = ChannelAbsMaxObserver(axis: axisFromEnd)
        reservoir = RowReservoir(limit: rowLimit, seed: seed)
    }

    /// The largest finite magnitude seen per channel; empty until the first batch.
    var channelAbsMax: [Float] { magnitudes.channelMaxima }

    /// The number of channels, 0 before the first batch.
    var channels: Int { channelAbsMax.count }

    /// Adds one produced tensor; throws when its shape lacks the channel axis or its channel count differs from earlier ones.
    mutating func observe(_ values: UnsafeBufferPointer<Float>, shape: [Int]) throws {
        try magnitudes.observe(values, shape: shape)
        guard reservoir.limit > 0 else { return }
        let axis = shape.count + axisFromEnd
        let channelCount = shape[axis]
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        guard channelCount > 0 else { return }
        for block in 0..<outer {
            let base = block * channelCount * inner
            for position in 0..<inner {
                reservoir.offer(channels: channelCount) { values[base + position + $0 * inner] }
            }
        }
    }
}
