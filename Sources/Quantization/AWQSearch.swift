import Foundation
import OnnxInterpreter

/// AWQ (Lin et al., 2023), the search on one input activation: per-input-channel scales `s` that protect
/// the salient channels (those with large mean |x|) before rounding, and per-block clipping of the scaled
/// weights, both chosen to minimise the error of the layers' outputs on sampled input rows.
///
/// Scale search as in the reference: for `ratio` in `0, 1/n, ..., (n-1)/n`, `s = max(mean|x|^ratio, 1e-4)`
/// normalised by `sqrt(max(s)·min(s))`; every layer reading the activation is quantized as `RTN(W·s) / s`
/// and the sum of their squared output errors on the rows decides. `ratio = 0` is plain RTN, so the search
/// never does worse than RTN on the rows it sees. Clip search: for every block and output channel,
/// the range shrink `1 − i/n` (`i < maxShrink·n`) whose block contributes the least squared output error.
public struct AWQSearch: Sendable {
    /// Rows per quantization block.
    public var blockSize: Int
    /// The grid weights are rounded to.
    public var grid: LowBitGrid
    /// Candidate ratios for the scale search (`n`).
    public var scaleGrid: Int
    /// Steps of the clip search (`n`).
    public var clipGrid: Int
    /// The largest range shrink tried, in [0, 1).
    public var maxShrink: Float
    /// Divide by the weights' per-channel salience too: `s = mean|x|^ratio / (mean|ŵ|^(1−ratio) + 1e-4)`,
    /// with `ŵ` the weights normalised by their block's largest magnitude (AutoAWQ's `duo_scaling`).
    public var duoScaling: Bool
    /// Under the `extreme` grid, also try anchoring each block's other end on the highest code (the step
    /// then has the other sign), with the same shrinks: a search over both anchors of the grid.
    public var triesOppositeEnd: Bool

    /// The settings (the reference's defaults: 20 ratios, 20 clip steps up to a shrink of 0.5).
    public init(
        blockSize: Int, grid: LowBitGrid, scaleGrid: Int = 20, clipGrid: Int = 20, maxShrink: Float = 0.5,
        duoScaling: Bool = false, triesOppositeEnd: Bool = false
    ) {
        self.blockSize = blockSize
        self.grid = grid
        self.scaleGrid = scaleGrid
        self.clipGrid = clipGrid
        self.maxShrink = maxShrink
        self.duoScaling = duoScaling
        self.triesOppositeEnd = triesOppositeEnd
    }

    /// The outcome of the scale search.
    public struct ScaleChoice: Sendable {
        /// The per-input-channel factors `s` (all 1 when RTN was best).
        public var scales: [Float]
        /// The chosen ratio.
        public var ratio: Float
        /// Mean squared output error of plain RTN on the rows.
        public var errorWithoutScaling: Double
        /// Mean squared output error with the chosen scales.
        public var errorWithScaling: Double
    }

    /// Searches `s` for the layers `weights` (each `[channels, columns]` row-major) reading one activation,
    /// from `rows` (`rowCount` sampled rows of `channels` values) and the activation's per-channel mean
    /// magnitude. `tensor` names the activation in errors.
    public func scales(
        rows: [Float], rowCount: Int, meanMagnitude: [Float], weights: [(values: [Float], columns: Int)],
        tensor: String
    ) throws -> ScaleChoice {
        let channels = meanMagnitude.count
        guard channels > 0, rowCount > 0, rows.count == rowCount * channels,
            weights.allSatisfy({ $0.columns > 0 && $0.values.count == channels * $0.columns })
        else {
            throw QuantizationError.invalidTensor(
                tensor: tensor, reason: "AWQ statistics do not match the layers' \(channels) input channels")
        }
        let reference = try weights.map {
            try Blas.multiply(rows, $0.values, rows: rowCount, inner: channels, columns: $0.columns)
        }
        let weightSalience = duoScaling ? normalizedWeightMagnitude(weights, channels: channels) : nil
        var best: ScaleChoice?
        for step in 0..<max(1, scaleGrid) {
            let ratio = Float(step) / Float(max(1, scaleGrid))
            let candidate = Self.factors(meanMagnitude: meanMagnitude, weightMagnitude: weightSalience, ratio: ratio)
            var error = 0.0
            var count = 0
            for (weight, target) in zip(weights, reference) {
                let scaled = Self.scaleRows(weight.values, columns: weight.columns, by: candidate)
                let quantized = try LowBitMatrix.roundToNearest(
                    scaled, rows: channels, columns: weight.columns, blockSize: blockSize, grid: grid, tensor: tensor)
                let restored = Self.scaleRows(
                    quantized.dequantized(), columns: weight.columns, by: candidate.map { 1 / $0 })
                let output = try Blas.multiply(rows, restored, rows: rowCount, inner: channels, columns: weight.columns)
                error += Self.squaredDistance(output, target)
                count += output.count
            }
            let mean = error / Double(max(1, count))
            if step == 0 {
                best = ScaleChoice(scales: candidate, ratio: ratio, errorWithoutScaling: mean, errorWithScaling: mean)
            } else if let current = best, mean < current.errorWithScaling {
                best = ScaleChoice(
                    scales: candidate, ratio: ratio, errorWithoutScaling: current.errorWithoutScaling,
                    errorWithScaling: mean)
            }
        }
        guard let best else { throw QuantizationError.invalidTensor(tensor: tensor, reason: "no AWQ candidate") }
        return best
    }

    /// Per-block, per-column clip ratios (row-major `[blocks, columns]`) for `weight` (`[channels, columns]`),
    /// judged on `rows` (`rowCount` rows of `channels` values) as the layer will see them.
    public func clipRatios(
        rows: [Float], rowCount: Int, weight: [Float], channels: Int, columns: Int, tensor: String
    ) throws -> [Float] {
        if grid.tensorScale == 0 {
            // Column chunks must share the tensor scale the whole weight will get (NVFP4).
            var fitted = self
            fitted.grid = grid.fitted(to: weight)
            return try fitted.clipRatios(
                rows: rows, rowCount: rowCount, weight: weight, channels: channels, columns: columns, tensor: tensor)
        }
        try LowBitMatrix.check(weight, rows: channels, columns: columns, blockSize: blockSize, tensor: tensor)
        guard rowCount > 0, rows.count == rowCount * channels else {
            throw QuantizationError.invalidTensor(tensor: tensor, reason: "AWQ rows do not have \(channels) channels")
        }
        let blocks = LowBitMatrix.blockCount(rows: channels, blockSize: blockSize)
        var ratios = [Float](repeating: 1, count: blocks * columns)
        var bestError = [Double](repeating: .infinity, count: blocks * columns)
        let steps = max(1, Int((maxShrink * Float(clipGrid)).rounded(.up)))
        // Column chunks bound the [rows, chunk] products a wide layer (an LM head) would need.
        let chunk = 2048
        var first = 0
        while first < columns {
            let width = min(chunk, columns - first)
            var slice = [Float](repeating: 0, count: channels * width)
            for row in 0..<channels {
                for column in 0..<width { slice[row * width + column] = weight[row * columns + first + column] }
            }
            let shrinks = (0..<steps).map { 1 - Float($0) / Float(max(1, clipGrid)) }
            let anchors = triesOppositeEnd && grid.symmetric && grid.rule == .extreme ? [1, -1] : [Float(1)]
            for ratio in anchors.flatMap({ sign in shrinks.map { sign * $0 } }) {
                let quantized = try LowBitMatrix.roundToNearest(
                    slice, rows: channels, columns: width, blockSize: blockSize, grid: grid,
                    clip: [Float](repeating: ratio, count: blocks * width), tensor: tensor)
                var difference = quantized.dequantized()
                for index in difference.indices { difference[index] -= slice[index] }
                let errors = try blockErrors(
                    rows: rows, rowCount: rowCount, channels: channels, difference: difference, columns: width)
                for block in 0..<blocks {
                    for column in 0..<width
                    where errors[block * width + column] < bestError[block * columns + first + column] {
                        bestError[block * columns + first + column] = errors[block * width + column]
                        ratios[block * columns + first + column] = ratio
                    }
                }
            }
            first += width
        }
        return ratios
    }

    /// `Σ_t (X[t, block] · D[block, column])²` for every block and column: each block's share of the output error.
    private func blockErrors(
        rows: [Float], rowCount: Int, channels: Int, difference: [Float], columns: Int
    ) throws -> [Double] {
        let blocks = LowBitMatrix.blockCount(rows: channels, blockSize: blockSize)
        var errors = [Double](repeating: 0, count: blocks * columns)
        var product = [Float](repeating: 0, count: rowCount * columns)
        for block in 0..<blocks {
            let start = block * blockSize
            let count = min(channels, start + blockSize) - start
            try rows.withUnsafeBufferPointer { x in
                try difference.withUnsafeBufferPointer { d in
                    try product.withUnsafeMutableBufferPointer { p in
                        guard let x = x.baseAddress, let d = d.baseAddress, let p = p.baseAddress else { return }
                        try Blas.sgemm(
                            transposeA: false, transposeB: false, m: rowCount, n: columns, k: count, alpha: 1,
                            a: x + start, lda: channels, b: d + start * columns, ldb: columns, beta: 0, c: p,
                            ldc: columns)
                    }
                }
            }
            for row in 0..<rowCount {
                for column in 0..<columns {
                    let value = Double(product[row * columns + column])
                    errors[block * columns + column] += value * value
                }
            }
        }
        return errors
    }

    /// Per input channel, the mean over every output of `|w| / max|w|` of its block: how much of its block's
    /// range the channel's weights use.
    func normalizedWeightMagnitude(_ weights: [(values: [Float], columns: Int)], channels: Int) -> [Float] {
        var sums = [Double](repeating: 0, count: channels)
        var outputs = 0
        for weight in weights {
            let columns = weight.columns
            outputs += columns
            var start = 0
            while start < channels {
                let end = Swift.min(channels, start + blockSize)
                for column in 0..<columns {
                    var largest: Float = 0
                    for row in start..<end { largest = Swift.max(largest, abs(weight.values[row * columns + column])) }
                    for row in start..<end {
                        sums[row] += Double(abs(weight.values[row * columns + column]) / (largest + 1e-6))
                    }
                }
                start = end
            }
        }
        return sums.map { Float($0 / Double(Swift.max(1, outputs))) }
    }

    /// `s = max(m^ratio, 1e-4)` (or `max(m^ratio / (w^(1−ratio) + 1e-4), 1e-4)` with weight salience `w`),
    /// divided by `sqrt(max(s)·min(s))`.
    static func factors(meanMagnitude: [Float], weightMagnitude: [Float]? = nil, ratio: Float) -> [Float] {
        var factors = meanMagnitude.enumerated().map { channel, magnitude in
            let activation = powf(Swift.max(magnitude, 0), ratio)
            guard let weightMagnitude else { return Swift.max(activation, 1e-4) }
            return Swift.max(activation / (powf(weightMagnitude[channel], 1 - ratio) + 1e-4), 1e-4)
        }
        guard let largest = factors.max(), let smallest = factors.min() else { return factors }
        let norm = (largest * smallest).squareRoot()
        if norm > 0, norm.isFinite { factors = factors.map { $0 / norm } }
        return factors
    }

    /// Row `k` of a `[*, columns]` matrix times `factors[k]`.
    static func scaleRows(_ values: [Float], columns: Int, by factors: [Float]) -> [Float] {
        var scaled = values
        for (row, factor) in factors.enumerated() {
            for column in 0..<columns { scaled[row * columns + column] *= factor }
        }
        return scaled
    }

    private static func squaredDistance(_ a: [Float], _ b: [Float]) -> Double {
        var sum = 0.0
        for index in a.indices {
            let difference = Double(a[index]) - Double(b[index])
            sum += difference * difference
        }
        return sum
    }
}
