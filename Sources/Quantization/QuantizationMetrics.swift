import Foundation
import OnnxIR

/// Measures of quantization error.
public enum QuantizationMetrics {
    /// Signal-to-quantization-noise ratio in dB: `10 * log10(sum x^2 / sum (x - xq)^2)`, accumulated in
    /// float64. `+infinity` when the approximation is exact (an all-zero signal included); `-infinity`
    /// when the signal is all zeros but the approximation is not.
    public static func sqnr(reference: [Float], approximation: [Float]) throws -> Double {
        guard reference.count == approximation.count else {
            throw QuantizationError.invalidTensor(
                tensor: "", reason: "SQNR of \(reference.count) values against \(approximation.count)")
        }
        var signal = 0.0
        var noise = 0.0
        for (exact, approximate) in zip(reference, approximation) {
            let value = Double(exact)
            let error = value - Double(approximate)
            signal += value * value
            noise += error * error
        }
        return sqnr(signal: signal, noise: noise)
    }

    /// The SQNR in dB of sums already accumulated (`Σx²` and `Σ(x − xq)²`), with `sqnr(reference:approximation:)`'s
    /// conventions for an exact approximation and an all-zero signal.
    public static func sqnr(signal: Double, noise: Double) -> Double {
        if noise == 0 { return .infinity }
        if signal == 0 { return -.infinity }
        return 10 * log10(signal / noise)
    }

    /// The SQNR of a weight against its quantized form.
    public static func sqnr(weight: Tensor, quantized: QuantizedWeight) throws -> Double {
        try sqnr(
            reference: TensorShapeCheck.floatValues(of: weight),
            approximation: Dequantizer.dequantize(quantized.weight, params: quantized.params))
    }
}
