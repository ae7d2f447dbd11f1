import Quantization

/// What values become after the inserted QuantizeLinear/DequantizeLinear pair, computed by the
/// `Quantization` module's own quantizer and dequantizer so the MSE method measures the error the
/// model will have.
enum QuantizationRoundTrip {
    /// `values` quantized with `params` (round half to even, saturating; float32 division as
    /// QuantizeLinear does it) and dequantized again.
    static func values(_ values: [Float], params: QuantParams) throws -> [Float] {
        let perTensor = try QuantParamSet(
            format: params.format, granularity: .perTensor, tensorShape: [values.count], scales: [params.scale],
            zeroPoints: [params.zeroPoint], tensor: "")
        let codes = try WeightQuantizer.quantizedData(values: values, params: perTensor, tensor: "")
        return try Dequantizer.dequantize(data: codes, params: perTensor, tensor: "")
    }
}
