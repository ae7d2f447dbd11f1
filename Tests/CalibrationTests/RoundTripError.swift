import Calibration
import Quantization

/// The mean squared error that quantizing values with a range really gives, computed with the
/// `Quantization` module's public quantizer and dequantizer on the raw values (not on a histogram).
enum RoundTripError {
    /// The mean squared error of `values` after QuantizeLinear/DequantizeLinear with `scheme`'s parameters for `range`.
    static func meanSquared(_ values: [Float], _ range: CalibrationRange, _ scheme: QuantScheme) throws -> Double {
        let params = try scheme.params(rmin: range.min, rmax: range.max, tensor: "test")
        let perTensor = try QuantParamSet(
            format: params.format, granularity: .perTensor, tensorShape: [values.count], scales: [params.scale],
            zeroPoints: [params.zeroPoint], tensor: "test")
        let codes = try WeightQuantizer.quantizedData(values: values, params: perTensor, tensor: "test")
        let restored = try Dequantizer.dequantize(data: codes, params: perTensor, tensor: "test")
        let total = zip(values, restored).reduce(0.0) { sum, pair in
            let difference = Double(pair.0) - Double(pair.1)
            return sum + difference * difference
        }
        return total / Double(values.count)
    }
}
