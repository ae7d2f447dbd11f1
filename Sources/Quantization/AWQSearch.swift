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
    /// Passes of block-by-block refinement after the clip search: each block's ratio is chosen again for
    /// the whole output error, the other blocks' errors included (they add up in every output).
    public var clipSweeps: Int

    /// The settings (the reference's defaults: 20 ratios, 20 clip steps up to a shrink of 0.5).
    public init(
        blockSize: Int, grid: LowBitGrid, scaleGrid: Int = 20, clipGrid: Int = 20, maxShrink: Float = 0.5,
        duoScaling: Bool = false, triesOppositeEnd: Bool = false, clipSweeps: Int = 0
    ) {
        self.blockSize = blockSize
        self.grid = grid
        self.scaleGrid = scaleGrid
        self.clipGrid = clipGrid
        self.maxShrink = maxShrink
        self.duoScaling = duoScaling
        self.triesOppositeEnd = triesOppositeEnd
        self.clipSweeps = clipSweeps
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
    /// magnitude. The layers whose flag in `logits` is set produce a model's logits: their errors are
    /// weighed by `softmaxWeights`. `tensor` names the activation in errors.
    public func scales(
        rows: [Float], rowCount: Int, meanMagnitude: [Float], weights: [(values: [Float], columns: Int)],
        logits: [Bool] = [], tensor: String
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
        let errorWeights = reference.indices.map { index -> [Float]? in
            guard index < logits.count, logits[index] else { return nil }
            let columns = weights[index].columns
            return Self.softmaxWeights(
                logits: reference[index], rowCount: rowCount, columns: columns, totalColumns: columns,
                logZ: Self.rowLogSumExp(logits: reference[index], rowCount: rowCount, columns: columns))
        }
        let weightSalience = duoScaling ? normalizedWeightMagnitude(weights, channels: channels) : nil
        var best: ScaleChoice?
        for step in 0..<max(1, scaleGrid) {
            let ratio = Float(step) / Float(max(1, scaleGrid))
            let candidate = Self.factors(meanMagnitude: meanMagnitude, weightMagnitude: weightSalience, ratio: ratio)
            var error = 0.0
            var count = 0
            for (index, (weight, target)) in zip(weights, reference).enumerated() {
                let scaled = Self.scaleRows(weight.values, columns: weight.columns, by: candidate)
                let quantized = try LowBitMatrix.roundToNearest(
                    scaled, rows: channels, columns: weight.columns, blockSize: blockSize, grid: grid, tensor: tensor)
                let restored = Self.scaleRows(
                    quantized.dequantized(), columns: weight.columns, by: candidate.map { 1 / $0 })
                let output = try Blas.multiply(rows, restored, rows: rowCount, inner: channels, columns: weight.columns)
                error += Self.squaredDistance(output, target, weights: errorWeights[index])
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
    /// judged on `rows` (`rowCount` rows of `channels` values) as the layer will see them; with `logits`, the
    /// layer produces a model's logits and its errors are weighed by `softmaxWeights`.
    public func clipRatios(
        rows: [Float], rowCount: Int, weight: [Float], channels: Int, columns: Int, logits: Bool = false,
        tensor: String
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
        let chunks = stride(from: 0, to: columns, by: chunk).map { first in
            let width = min(chunk, columns - first)
            var slice = [Float](repeating: 0, count: channels * width)
            for row in 0..<channels {
                for column in 0..<width { slice[row * width + column] = weight[row * columns + first + column] }
            }
            return (first: first, width: width, slice: slice)
        }
        var logZ: [Double]?
        if logits {
            for (_, width, slice) in chunks {
                let product = try Blas.multiply(rows, slice, rows: rowCount, inner: channels, columns: width)
                logZ = Self.rowLogSumExp(logits: product, rowCount: rowCount, columns: width, merging: logZ)
            }
        }
        for (first, width, slice) in chunks {
            let errorWeights = try logZ.map { logZ in
                Self.softmaxWeights(
                    logits: try Blas.multiply(rows, slice, rows: rowCount, inner: channels, columns: width),
                    rowCount: rowCount, columns: width, totalColumns: columns, logZ: logZ)
            }
            let shrinks = (0..<steps).map { 1 - Float($0) / Float(max(1, clipGrid)) }
            let anchors = triesOppositeEnd && grid.symmetric && grid.rule == .extreme ? [1, -1] : [Float(1)]
            let candidates = anchors.flatMap { sign in shrinks.map { sign * $0 } }
            for ratio in candidates {
                let quantized = try LowBitMatrix.roundToNearest(
                    slice, rows: channels, columns: width, blockSize: blockSize, grid: grid,
                    clip: [Float](repeating: ratio, count: blocks * width), tensor: tensor)
                var difference = quantized.dequantized()
                for index in difference.indices { difference[index] -= slice[index] }
                let errors = try blockErrors(
                    rows: rows, rowCount: rowCount, channels: channels, difference: difference, columns: width,
                    weights: errorWeights)
                for block in 0..<blocks {
                    for column in 0..<width
                    where errors[block * width + column] < bestError[block * columns + first + column] {
                        bestError[block * columns + first + column] = errors[block * width + column]
                        ratios[block * columns + first + column] = ratio
                    }
                }
            }
            if clipSweeps > 0, blocks > 1 {
                try refine(
                    &ratios, first: first, columns: columns, slice: slice, width: width, rows: rows,
                    rowCount: rowCount, channels: channels, candidates: candidates, weights: errorWeights,
                    tensor: tensor)
            }
        }
        return ratios
    }

    /// Coordinate descent on the clip ratios of one column chunk (`slice`, `[channels, width]`, columns
    /// `first...` of `ratios`): block by block, each column keeps the candidate that minimises its whole
    /// output error `Σ_t w (Σ_b X[t, b] · D[b, column])²` with the other blocks as they stand.
    private func refine(
        _ ratios: inout [Float], first: Int, columns: Int, slice: [Float], width: Int, rows: [Float], rowCount: Int,
        channels: Int, candidates: [Float], weights: [Float]?, tensor: String
    ) throws {
        let blocks = LowBitMatrix.blockCount(rows: channels, blockSize: blockSize)
        func chunkRatios(_ block: Int) -> [Float] {
            Array(ratios[(block * columns + first)..<(block * columns + first + width)])
        }
        /// `X[:, block] · (Q − W)[block]` for the block's rows quantized with `clip` per column.
        func blockOutputError(_ block: Int, clip: [Float]) throws -> [Float] {
            let start = block * blockSize
            let count = min(channels, start + blockSize) - start
            let part = Array(slice[(start * width)..<((start + count) * width)])
            var difference = try LowBitMatrix.roundToNearest(
                part, rows: count, columns: width, blockSize: count, grid: grid, clip: clip, tensor: tensor
            ).dequantized()
            for index in difference.indices { difference[index] -= part[index] }
            var product = [Float](repeating: 0, count: rowCount * width)
            try Self.multiplyBlock(
                rows: rows, rowCount: rowCount, channels: channels, start: start, count: count, by: difference,
                firstRow: 0, columns: width, into: &product)
            return product
        }
        var total = [Float](repeating: 0, count: rowCount * width)
        for block in 0..<blocks {
            let error = try blockOutputError(block, clip: chunkRatios(block))
            for index in total.indices { total[index] += error[index] }
        }
        for _ in 0..<clipSweeps {
            for block in 0..<blocks {
                let current = try blockOutputError(block, clip: chunkRatios(block))
                var others = total
                for index in others.indices { others[index] -= current[index] }
                var best = columnErrors(others, adding: current, width: width, rowCount: rowCount, weights: weights)
                var bestOutput = current
                for ratio in candidates {
                    let trial = try blockOutputError(block, clip: [Float](repeating: ratio, count: width))
                    let errors = columnErrors(others, adding: trial, width: width, rowCount: rowCount, weights: weights)
                    for column in 0..<width where errors[column] < best[column] {
                        best[column] = errors[column]
                        ratios[block * columns + first + column] = ratio
                        for row in 0..<rowCount { bestOutput[row * width + column] = trial[row * width + column] }
                    }
                }
                for index in total.indices { total[index] = others[index] + bestOutput[index] }
            }
        }
    }

    /// `Σ_t w[t, column] (a + b)[t, column]²` per column of two `[rowCount, width]` matrices.
    private func columnErrors(_ a: [Float], adding b: [Float], width: Int, rowCount: Int, weights: [Float]?)
        -> [Double]
    {
        var errors = [Double](repeating: 0, count: width)
        for row in 0..<rowCount {
            for column in 0..<width {
                let index = row * width + column
                let value = Double(a[index]) + Double(b[index])
                errors[column] += (weights.map { Double($0[index]) } ?? 1) * value * value
            }
        }
        return errors
    }

    /// `Σ_t w[t, column] (X[t, block] · D[block, column])²` for every block and column (`w` = 1 without
    /// `weights`): each block's share of the output error.
    private func blockErrors(
        rows: [Float], rowCount: Int, channels: Int, difference: [Float], columns: Int, weights: [Float]?
    ) throws -> [Double] {
        let blocks = LowBitMatrix.blockCount(rows: channels, blockSize: blockSize)
        var errors = [Double](repeating: 0, count: blocks * columns)
        var product = [Float](repeating: 0, count: rowCount * columns)
        for block in 0..<blocks {
            let start = block * blockSize
            let count = min(channels, start + blockSize) - start
            try Self.multiplyBlock(
                rows: rows, rowCount: rowCount, channels: channels, start: start, count: count, by: difference,
                firstRow: start, columns: columns, into: &product)
            for row in 0..<rowCount {
                for column in 0..<columns {
                    let value = Double(product[row * columns + column])
                    let weight = weights.map { Double($0[row * columns + column]) } ?? 1
                    errors[block * columns + column] += weight * value * value
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

    /// `product = X[:, start..<start+count] · D[firstRow..<firstRow+count, :]`, with `X` the `[rowCount, channels]`
    /// rows and `D` a `[*, columns]` matrix: one block's share of a layer's output.
    private static func multiplyBlock(
        rows: [Float], rowCount: Int, channels: Int, start: Int, count: Int, by matrix: [Float], firstRow: Int,
        columns: Int, into product: inout [Float]
    ) throws {
        try rows.withUnsafeBufferPointer { x in
            try matrix.withUnsafeBufferPointer { d in
                try product.withUnsafeMutableBufferPointer { p in
                    guard let x = x.baseAddress, let d = d.baseAddress, let p = p.baseAddress else { return }
                    try Blas.sgemm(
                        transposeA: false, transposeB: false, m: rowCount, n: columns, k: count, alpha: 1,
                        a: x + start, lda: channels, b: d + firstRow * columns, ldb: columns, beta: 0, c: p,
                        ldc: columns)
                }
            }
        }
    }

    /// Per row and column of a layer's float `logits` (`[rowCount, columns]`, possibly a chunk of the
    /// layer's `totalColumns`), the weight of that output's squared error: `softmax(row)[column] + 1/totalColumns`,
    /// with `logZ` each row's log-sum-exp over all columns.
    ///
    /// For a model's logits, a squared error counts in proportion to how much it moves the cross-entropy:
    /// the KL divergence between the float and the quantized softmax is, to second order,
    /// `½ Σ_c p_c (δ_c − Σ_j p_j δ_j)²`, at most `½ Σ_c p_c δ_c²`. Plain squared error instead spends the
    /// search on the tens of thousands of vocabulary entries no row predicts; the uniform floor keeps them
    /// from growing unchecked.
    static func softmaxWeights(logits: [Float], rowCount: Int, columns: Int, totalColumns: Int, logZ: [Double])
        -> [Float]
    {
        let floor = 1 / Float(max(1, totalColumns))
        var weights = [Float](repeating: 0, count: logits.count)
        for row in 0..<rowCount {
            for column in 0..<columns {
                let index = row * columns + column
                weights[index] = Float(exp(Double(logits[index]) - logZ[row])) + floor
            }
        }
        return weights
    }

    /// Each row's log-sum-exp of `logits` (`[rowCount, columns]`), merged into `partial` (the rows' value
    /// over other columns) when given.
    static func rowLogSumExp(logits: [Float], rowCount: Int, columns: Int, merging partial: [Double]? = nil)
        -> [Double]
    {
        (0..<rowCount).map { row in
            let values = logits[(row * columns)..<((row + 1) * columns)]
            let top = max(Double(values.max() ?? -.infinity), partial?[row] ?? -.infinity)
            guard top.isFinite else { return top }
            var sum = partial.map { exp($0[row] - top) } ?? 0
            for value in values { sum += exp(Double(value) - top) }
            return top + log(sum)
        }
    }

    private static func squaredDistance(_ a: [Float], _ b: [Float], weights: [Float]? = nil) -> Double {
        var sum = 0.0
        for index in a.indices {
            let difference = Double(a[index]) - Double(b[index])
            sum += (weights.map { Double($0[index]) } ?? 1) * difference * difference
        }
        return sum
    }
}
