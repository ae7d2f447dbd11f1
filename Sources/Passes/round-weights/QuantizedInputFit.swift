import OnnxInterpreter

/// How one group's weight `W` (`[width, columns]`, rows the input elements) is corrected for its quantized input
/// before GPTQ rounds it: a fraction of the least-squares step towards the weight that, reading the quantized
/// input, best reproduces the float layer's output on the float input, with or without the bias taking the mean
/// shift — whichever makes the smallest output error on rows it was not fitted on.
///
/// The step is `(H + λI)⁻¹ (C − H) W`, with `H = X_qᵀX_q` and `C = X_qᵀX_f` (centred when the bias takes the
/// mean), `λ` adding `damp + ridgeScale · width / rows` of `H`'s mean diagonal (the fewer rows per unknown, the
/// more the step is pulled back towards `W`). What a correction fitted on calibration samples does on other
/// inputs is not guaranteed: a rare value (an outlier in a channel that few samples show) or few rows per
/// unknown (a squeeze-and-excitation layer sees one row per sample) lets a fit explain noise. So each candidate
/// (step fractions 0, ½ and 1, bias correction off and on) is fitted on the even samples and measured on the
/// odd ones, then the other way round, clamped as it will be written (each parameter slice keeps its range); the
/// candidate with the smallest summed error wins, ties going to the smaller change, and is fitted again on every
/// row. "No step, no bias" is among the candidates, so the chosen correction never does worse than none on the
/// held-out folds' layer output.
struct QuantizedInputFit {
    /// The fraction of the step kept.
    let stepFraction: Double
    /// Whether the bias takes the mean shift.
    let correctsBias: Bool
    /// The step fitted on every row, times `stepFraction` (`[width, columns]`, row-major).
    let step: [Double]

    /// The step fractions tried.
    static let stepFractions = [0, 0.5, 1.0]

    /// The choice for `weights` given both folds' sums and their total `all`; `bounds` holds each column's
    /// smallest and largest allowed value (where the rounding clamps it), `biasAllowed` is false where the op has no
    /// bias to write. Candidates are judged as they will be written: clamped to `bounds`.
    static func choose(
        weights: [Double], bounds: [ClosedRange<Double>], folds: [LayerInputPairs.Sums], all: LayerInputPairs.Sums,
        columns: Int, damp: Double, ridgeScale: Double, biasAllowed: Bool
    ) throws -> QuantizedInputFit {
        let modes = biasAllowed ? [false, true] : [false]
        let candidates = modes.flatMap { mode in stepFractions.map { (fraction: $0, bias: mode) } }
        var errors = [Double](repeating: 0, count: candidates.count)
        let crossValidates = folds.count == 2 && folds.allSatisfy { $0.rows > 0 }
        if crossValidates {
            for (fit, test) in [(folds[0], folds[1]), (folds[1], folds[0])] {
                let held = try HeldOut(weights: weights, test: test, columns: columns)
                for mode in modes {
                    let step = try leastSquaresStep(
                        weights, sums: fit, centred: mode, columns: columns, damp: damp, ridgeScale: ridgeScale)
                    for (index, candidate) in candidates.enumerated() where candidate.bias == mode {
                        let moved = moved(weights, step, fraction: candidate.fraction, bounds: bounds)
                        errors[index] += try held.error(moved: moved, fit: mode ? fit : nil)
                    }
                }
            }
        }
        var chosen = 0
        for index in candidates.indices where errors[index] < errors[chosen] { chosen = index }
        let (fraction, bias) = candidates[chosen]
        var step = [Double](repeating: 0, count: weights.count)
        if fraction > 0 {
            let full = try leastSquaresStep(
                weights, sums: all, centred: bias, columns: columns, damp: damp, ridgeScale: ridgeScale)
            step = zip(moved(weights, full, fraction: fraction, bounds: bounds), weights).map { $0 - $1 }
        }
        return QuantizedInputFit(stepFraction: fraction, correctsBias: bias, step: step)
    }

    /// `W + fraction·step`, each column clamped to its bounds (`[width, columns]`, row-major).
    private static func moved(_ weights: [Double], _ step: [Double], fraction: Double, bounds: [ClosedRange<Double>])
        -> [Double]
    {
        guard fraction != 0 else { return weights }
        let columns = bounds.count
        return weights.indices.map { index in
            let bound = bounds[index % columns]
            return min(max(weights[index] + fraction * step[index], bound.lowerBound), bound.upperBound)
        }
    }

    /// `(H + λI)⁻¹ (C − H) W` from `sums` (centred: `H`, `C` about the means), zeros when `H` is all zero; `λ` is
    /// raised tenfold, twice, if the damped matrix is not positive definite.
    static func leastSquaresStep(
        _ weights: [Double], sums: LayerInputPairs.Sums, centred: Bool, columns: Int, damp: Double,
        ridgeScale: Double
    ) throws -> [Double] {
        let width = sums.width
        let rows = Double(sums.rows)
        let unmoved = [Double](repeating: 0, count: weights.count)
        guard width > 0, rows > 0 else { return unmoved }
        var hessian = sums.quantizedGram
        var cross = sums.crossGram
        if centred {
            for i in 0..<width {
                let quantizedMean = sums.quantizedSum[i] / rows
                for j in 0..<width {
                    hessian[i * width + j] -= quantizedMean * sums.quantizedSum[j]
                    cross[i * width + j] -= quantizedMean * sums.floatSum[j]
                }
            }
        }
        var meanDiagonal = 0.0
        for i in 0..<width { meanDiagonal += hessian[i * width + i] }
        meanDiagonal /= Double(width)
        guard meanDiagonal > 0, meanDiagonal.isFinite else { return unmoved }
        for i in cross.indices { cross[i] -= hessian[i] }
        var fraction = damp + ridgeScale * Double(width) / rows
        for _ in 0..<3 {
            var damped = hessian
            for i in 0..<width { damped[i * width + i] += fraction * meanDiagonal }
            guard let inverse = try Cholesky.inverse(damped, n: width) else {
                fraction *= 10
                continue
            }
            let moved = try product(cross, weights, rows: width, inner: width, columns: columns)
            return try product(inverse, moved, rows: width, inner: width, columns: columns)
        }
        return unmoved
    }

    /// `a · b` for row-major `a` of `[rows, inner]` and `b` of `[inner, columns]`.
    static func product(_ a: [Double], _ b: [Double], rows: Int, inner: Int, columns: Int) throws -> [Double] {
        var c = [Double](repeating: 0, count: rows * columns)
        try a.withUnsafeBufferPointer { a in
            try b.withUnsafeBufferPointer { b in
                try c.withUnsafeMutableBufferPointer { c in
                    guard let a = a.baseAddress, let b = b.baseAddress, let c = c.baseAddress else { return }
                    try Blas.dgemm(
                        transposeA: false, transposeB: false, m: rows, n: columns, k: inner, alpha: 1, a: a, lda: inner,
                        b: b, ldb: columns, beta: 0, c: c, ldc: columns)
                }
            }
        }
        return c
    }

    /// The squared output error `Σ (x_f·W + b − x_q·W' − b')²` over a held-out fold's rows, for corrections
    /// `W' = W + f·Δ`, from the fold's sums: the products that do not depend on the correction are made once.
    private struct HeldOut {
        let weights: [Double]
        let test: LayerInputPairs.Sums
        let columns: Int
        /// `X_qᵀX_q·W`, `X_qᵀX_f·W` and `X_fᵀX_f·W`.
        let quantizedTimesWeights: [Double]
        let crossTimesWeights: [Double]
        let floatTimesWeights: [Double]

        init(weights: [Double], test: LayerInputPairs.Sums, columns: Int) throws {
            self.weights = weights
            self.test = test
            self.columns = columns
            let width = test.width
            quantizedTimesWeights = try QuantizedInputFit.product(
                test.quantizedGram, weights, rows: width, inner: width, columns: columns)
            crossTimesWeights = try QuantizedInputFit.product(
                test.crossGram, weights, rows: width, inner: width, columns: columns)
            floatTimesWeights = try QuantizedInputFit.product(
                test.floatGram, weights, rows: width, inner: width, columns: columns)
        }

        /// The error of the corrected weights `moved`; with `fit`, the bias takes the mean shift measured on `fit`:
        /// `b' − b = μ_fᵀW − μ_qᵀW'` per column.
        func error(moved: [Double], fit: LayerInputPairs.Sums?) throws -> Double {
            let width = test.width
            let rows = Double(test.rows)
            let heldMoved =
                moved == weights
                ? quantizedTimesWeights
                : try QuantizedInputFit.product(test.quantizedGram, moved, rows: width, inner: width, columns: columns)
            var total = 0.0
            for column in 0..<columns {
                // w'ᵀHw' − 2·w'ᵀCw + wᵀFw, then the bias terms.
                var quadratic = 0.0
                var floatSum = 0.0
                var quantizedSum = 0.0
                var shift = 0.0
                for row in 0..<width {
                    let at = row * columns + column
                    let w = weights[at]
                    let corrected = moved[at]
                    quadratic +=
                        corrected * heldMoved[at] - 2 * corrected * crossTimesWeights[at] + w * floatTimesWeights[at]
                    floatSum += test.floatSum[row] * w
                    quantizedSum += test.quantizedSum[row] * corrected
                    if let fit {
                        let fitRows = Double(fit.rows)
                        shift += fit.floatSum[row] / fitRows * w - fit.quantizedSum[row] / fitRows * corrected
                    }
                }
                total += quadratic - 2 * shift * (floatSum - quantizedSum) + rows * shift * shift
            }
            return total
        }
    }
}
