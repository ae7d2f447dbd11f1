import OnnxInterpreter
import Quantization

/// Chooses alpha for one activation by the W8A8 output error of its layers on captured rows.
///
/// For each candidate, the rows are divided by `s` and fake-quantized per tensor (symmetric
/// int8, amax from the whole calibration run), the weights are multiplied by `s` and
/// fake-quantized per output channel (symmetric int8), and the product is compared with the
/// float layers' output: relative squared error `||Y_q - Y||² / ||Y||²` over all layers' outputs together.
/// Leaving the activation unsmoothed is a candidate too, so the search never makes a layer worse
/// on its own samples.
struct AlphaSearch {
    /// The captured rows, row-major `[rowCount, channels]`.
    let rows: [Float]
    /// The number of captured rows.
    let rowCount: Int
    /// The input channel count.
    let channels: Int
    /// The largest magnitude per channel over the whole calibration run.
    let activationMax: [Float]
    /// The layers' weights side by side, `[channels, outputs]`.
    let weights: [Float]
    /// The output columns of all layers together.
    let outputs: Int
    /// The largest weight magnitude per input channel over all layers.
    let weightMax: [Float]

    /// The outcome: the best alpha (nil: leave unsmoothed) and the errors without and with it.
    struct Outcome {
        /// The chosen alpha, nil when no candidate beat the unsmoothed layers.
        let alpha: Double?
        /// The error of the unsmoothed W8A8 layers.
        let errorWithoutSmoothing: Double
        /// The error with the chosen alpha (equal to the above when alpha is nil).
        let errorWithSmoothing: Double
    }

    /// Tries every candidate.
    func run(candidates: [Double]) throws -> Outcome {
        let reference = try Blas.multiply(rows, weights, rows: rowCount, inner: channels, columns: outputs)
        let referenceEnergy = reference.reduce(0.0) { $0 + Double($1) * Double($1) }
        let unsmoothed = try error(
            scales: [Float](repeating: 1, count: channels), reference: reference, energy: referenceEnergy)
        var best = (alpha: Double?.none, error: unsmoothed)
        for alpha in candidates {
            let scales = SmoothingScales.compute(activationMax: activationMax, weightMax: weightMax, alpha: alpha)
            let candidate = try error(scales: scales, reference: reference, energy: referenceEnergy)
            if candidate < best.error { best = (alpha, candidate) }
        }
        return Outcome(alpha: best.alpha, errorWithoutSmoothing: unsmoothed, errorWithSmoothing: best.error)
    }

    private func error(scales: [Float], reference: [Float], energy: Double) throws -> Double {
        let scheme = QuantScheme.tensorRT(format: .int8)
        var amax: Float = 0
        for (maximum, factor) in zip(activationMax, scales) { amax = max(amax, maximum / factor) }
        let activationScale = try scheme.params(rmin: -amax, rmax: amax, tensor: "smoothed activation").scale
        let highest = Float(scheme.integerRange?.upperBound ?? 127)
        var quantizedRows = rows
        for index in quantizedRows.indices {
            let code = (quantizedRows[index] / scales[index % channels] / activationScale).rounded(.toNearestOrEven)
            quantizedRows[index] = min(max(code, -highest), highest) * activationScale
        }
        var scaledWeights = weights
        for index in scaledWeights.indices { scaledWeights[index] *= scales[index / outputs] }
        let params = try WeightQuantizer.parameters(
            values: scaledWeights, shape: [channels, outputs], scheme: scheme, granularity: .perChannel(axis: 1),
            tensor: "smoothed weight")
        let codes = try WeightQuantizer.quantizedData(values: scaledWeights, params: params, tensor: "smoothed weight")
        let quantizedWeights = try Dequantizer.dequantize(data: codes, params: params, tensor: "smoothed weight")
        let result = try Blas.multiply(
            quantizedRows, quantizedWeights, rows: rowCount, inner: channels, columns: outputs)
        var squared = 0.0
        for (have, want) in zip(result, reference) {
            let difference = Double(have) - Double(want)
            squared += difference * difference
        }
        return energy > 0 ? squared / energy : squared
    }
}
