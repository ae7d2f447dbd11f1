import Quantization

@testable import Calibration

/// The mean squared error that quantizing values with a range really gives, on the raw values rather
/// than on a histogram.
enum RoundTripError {
    /// The mean squared error of `values` after QuantizeLinear/DequantizeLinear with `scheme`'s parameters for `range`.
    static func meanSquared(_ values: [Float], _ range: CalibrationRange, _ scheme: QuantScheme) throws -> Double {
        let params = try scheme.params(rmin: range.min, rmax: range.max, tensor: "test")
        let restored = try QuantizationRoundTrip.values(values, params: params)
        let total = zip(values, restored).reduce(0.0) { sum, pair in
            let difference = Double(pair.0) - Double(pair.1)
            return sum + difference * difference
        }
        return total / Double(values.count)
    }
}
