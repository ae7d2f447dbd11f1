import SeededRandom

/// A uniform sample of at most `limit` rows out of every row offered (reservoir sampling with a fixed
/// seed), in memory that does not grow with the number of rows: the activation rows SmoothQuant's alpha
/// search and AWQ's searches judge candidates on.
///
/// A row is the vector of one position's channels; non-finite elements are kept as 0, since one would
/// poison every error sum over the rows.
public struct RowReservoir {
    /// The most rows kept (0 keeps none, and only counts).
    public let limit: Int
    /// Channels per row, fixed by the first row offered (0 before).
    public private(set) var channels = 0
    /// The kept rows, row-major `[count, channels]`.
    public private(set) var rows: [Float] = []
    /// Rows kept.
    public private(set) var count = 0
    /// Rows offered.
    public private(set) var seen = 0
    private var random: SplitMix64

    /// A reservoir of up to `limit` rows; `seed` fixes which rows are kept.
    public init(limit: Int, seed: UInt64) {
        self.limit = max(0, limit)
        random = SplitMix64(seed: seed)
    }

    /// Offers one row of `channels` elements, element `c` being `element(c)`.
    @inline(__always)
    public mutating func offer(channels: Int, _ element: (Int) -> Float) {
        seen += 1
        guard limit > 0, channels > 0 else { return }
        if self.channels == 0 { self.channels = channels }
        let slot: Int
        if count < limit {
            slot = count
            count += 1
            rows.append(contentsOf: repeatElement(0, count: self.channels))
        } else {
            let pick = random.below(seen)
            guard pick < limit else { return }
            slot = pick
        }
        let destination = slot * self.channels
        for channel in 0..<self.channels {
            let value = element(channel)
            rows[destination + channel] = value.isFinite ? value : 0
        }
    }
}
