import OnnxInterpreter

/// What weight algorithms need to know about one layer input (channels on the last axis), gathered one
/// batch at a time in memory that does not grow with the number of samples.
///
/// - per-channel mean magnitude `mean|x|` over every row (AWQ's salience),
/// - up to `rowLimit` rows sampled uniformly from all rows seen (reservoir sampling, fixed seed), on which
///   AWQ judges candidate scales and clips,
/// - with `gram`, `XᵀX` over every row in double precision (GPTQ's Hessian, up to the factor 2/n), shared
///   by every layer reading the input.
///
/// A row is one position (one token); non-finite elements count as 0.
public struct LayerInputStatistics {
    /// Input channels (the last dimension), 0 before the first batch.
    public private(set) var channels = 0
    /// `Σ|x|` per channel.
    private var magnitudeSums: [Double] = []
    private var reservoir: RowReservoir
    /// `XᵀX`, row-major `[channels, channels]`; empty unless requested.
    public private(set) var gram: [Double] = []
    private let wantsGram: Bool

    /// Rows seen.
    public var rowsSeen: Int { reservoir.seen }
    /// The kept rows, row-major `[rowCount, channels]`.
    public var rows: [Float] { reservoir.rows }
    /// Rows kept.
    public var rowCount: Int { reservoir.count }

    /// Statistics keeping up to `rowLimit` rows, and `XᵀX` when `gram`; `seed` fixes the row sample.
    public init(rowLimit: Int, gram: Bool, seed: UInt64) {
        reservoir = RowReservoir(limit: rowLimit, seed: seed)
        wantsGram = gram
    }

    /// The kept rows, each divided by its root mean square (a row of zeros stays zero), so that a squared
    /// error summed over them weighs every token alike rather than the few with massive activations.
    public var rowsOfUnitScale: [Float] {
        guard channels > 0 else { return [] }
        var scaled = rows
        for row in 0..<rowCount {
            var sum = 0.0
            for channel in 0..<channels {
                sum += Double(rows[row * channels + channel]) * Double(rows[row * channels + channel])
            }
            let rms = (sum / Double(channels)).squareRoot()
            guard rms > 0, rms.isFinite else { continue }
            for channel in 0..<channels {
                scaled[row * channels + channel] = Float(Double(rows[row * channels + channel]) / rms)
            }
        }
        return scaled
    }

    /// Mean magnitude per channel over every row seen.
    public var meanMagnitude: [Float] {
        magnitudeSums.map { rowsSeen > 0 ? Float($0 / Double(rowsSeen)) : 0 }
    }

    /// Adds one batch, its shape `[..., channels]`; the channel count must not change between batches.
    public mutating func observe(_ values: UnsafeBufferPointer<Float>, shape: [Int]) throws {
        try ObservationShape.validate(shape, count: values.count)
        guard let last = shape.last, last > 0 else {
            throw CalibrationError.badBatch(reason: "shape \(shape) has no channels on its last axis")
        }
        if channels == 0 {
            channels = last
            magnitudeSums = [Double](repeating: 0, count: last)
            if wantsGram { gram = [Double](repeating: 0, count: last * last) }
        } else if channels != last {
            throw CalibrationError.badBatch(
                reason: "shape \(shape) has \(last) channels, earlier batches had \(channels)")
        }
        let batchRows = values.count / channels
        guard batchRows > 0 else { return }
        var batch = [Double](repeating: 0, count: batchRows * channels)
        for index in 0..<batch.count {
            let value = values[index]
            batch[index] = value.isFinite ? Double(value) : 0
        }
        for row in 0..<batchRows {
            let start = row * channels
            for channel in 0..<channels { magnitudeSums[channel] += abs(batch[start + channel]) }
            reservoir.offer(channels: channels) { Float(batch[start + $0]) }
        }
        if wantsGram { try accumulateGram(batch, rows: batchRows) }
    }

    /// `gram += batchᵀ · batch`.
    private mutating func accumulateGram(_ batch: [Double], rows batchRows: Int) throws {
        let channels = self.channels
        try batch.withUnsafeBufferPointer { x in
            try gram.withUnsafeMutableBufferPointer { g in
                guard let x = x.baseAddress, let g = g.baseAddress else { return }
                try Blas.dgemm(
                    transposeA: true, transposeB: false, m: channels, n: channels, k: batchRows, alpha: 1, a: x,
                    lda: channels, b: x, ldb: channels, beta: 1, c: g, ldc: channels)
            }
        }
    }
}
