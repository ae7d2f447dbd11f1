import Calibration
import SeededRandom

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
    /// The kept rows, row-major (`rowCount` rows of `channels` values).
    private(set) var rows: [Float] = []
    /// The number of rows kept.
    private(set) var rowCount = 0
    /// The number of rows seen.
    private(set) var rowsSeen = 0
    private let rowLimit: Int
    private var random: SplitMix64

    /// A profile of channels on `axisFromEnd`, keeping up to `rowLimit` rows.
    init(axisFromEnd: Int, rowLimit: Int, seed: UInt64) {
        self.axisFromEnd = axisFromEnd
        magnitudes = ChannelAbsMaxObserver(axis: axisFromEnd)
        self.rowLimit = max(0, rowLimit)
        self.random = SplitMix64(seed: seed)
    }

    /// The largest finite magnitude seen per channel; empty until the first batch.
    var channelAbsMax: [Float] { magnitudes.channelMaxima }

    /// The number of channels, 0 before the first batch.
    var channels: Int { channelAbsMax.count }

    /// Adds one produced tensor; throws when its shape lacks the channel axis or its channel count differs from earlier ones.
    mutating func observe(_ values: UnsafeBufferPointer<Float>, shape: [Int]) throws {
        try magnitudes.observe(values, shape: shape)
        guard rowLimit > 0 else { return }
        let axis = shape.count + axisFromEnd
        let channelCount = shape[axis]
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        guard channelCount > 0 else { return }
        for block in 0..<outer {
            let base = block * channelCount * inner
            for position in 0..<inner {
                keepRow(values, base: base, stride: inner, offset: position)
            }
        }
    }

    /// Reservoir step for the row at `base + offset + channel * stride`.
    private mutating func keepRow(_ values: UnsafeBufferPointer<Float>, base: Int, stride: Int, offset: Int) {
        rowsSeen += 1
        let slot: Int
        if rowCount < rowLimit {
            slot = rowCount
            rowCount += 1
            rows.append(contentsOf: repeatElement(0, count: channels))
        } else {
            let pick = random.below(rowsSeen)
            guard pick < rowLimit else { return }
            slot = pick
        }
        let destination = slot * channels
        for channel in 0..<channels {
            let value = values[base + offset + channel * stride]
            // A non-finite value would poison every error sum of the alpha search.
            rows[destination + channel] = value.isFinite ? value : 0
        }
    }
}
