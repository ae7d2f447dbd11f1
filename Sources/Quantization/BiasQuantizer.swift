import Foundation
import OnnxIR

/// Quantizes the bias of Conv, ConvTranspose and Gemm to int32 with scale `inputScale * weightScale`.
public enum BiasQuantizer {
    /// The bias scales: `inputScale * weightScales[o % weightScales.count]` in float32 for each of
    /// `outputChannels` (one scale when the weight is per tensor).
    public static func biasScales(
        inputScale: Float, weightScales: [Float], outputChannels: Int, tensor: String
    ) throws -> [Float] {
        try checkScale(inputScale, what: "input scale", tensor: tensor)
        for scale in weightScales { try checkScale(scale, what: "weight scale", tensor: tensor) }
        let scales: [Float]
        if weightScales.count == 1 {
            scales = [inputScale * weightScales[0]]
        } else {
            guard !weightScales.isEmpty, outputChannels % weightScales.count == 0 else {
                throw QuantizationError.invalidParameters(
                    tensor: tensor, reason: "\(weightScales.count) weight scales for \(outputChannels) bias channels")
            }
            scales = (0..<outputChannels).map { inputScale * weightScales[$0 % weightScales.count] }
        }
        for scale in scales where !scale.isNormal {
            throw QuantizationError.invalidParameters(
                tensor: tensor, reason: "bias scale input*weight = \(scale) is not a normal float32")
        }
        return scales
    }

    /// Quantizes `bias` (float32; per channel along its last axis when `weightScales` has more than one
    /// element): `round_half_even(float64(b) / float64(scale))`, as ONNX Runtime's `quantize_bias_static`.
    ///
    /// A grouped ConvTranspose has fewer weight scales than output channels; output channel `o` uses
    /// `weightScales[o % weightScales.count]` (see `WeightLayout.channelRepeat`).
    public static func quantize(
        _ bias: Tensor, inputScale: Float, weightScales: [Float], overflow: BiasOverflowPolicy = .clip
    ) throws -> QuantizedBias {
        let name = bias.name ?? ""
        let values = try TensorShapeCheck.floatValues(of: bias)
        let shape = try TensorShapeCheck.shape(of: bias)
        let perChannel = weightScales.count > 1
        let channels = perChannel ? (shape.last ?? 0) : 1
        let scales = try biasScales(
            inputScale: inputScale, weightScales: weightScales, outputChannels: channels, tensor: name)
        var quantized = [Int32](repeating: 0, count: values.count)
        var clipped: [Int] = []
        for (index, value) in values.enumerated() {
            guard value.isFinite else {
                throw QuantizationError.nonFiniteValue(tensor: name, index: index, value: value)
            }
            let scale = scales[perChannel ? index % channels : 0]
            let quotient = (Double(value) / Double(scale)).rounded(.toNearestOrEven)
            if quotient < Double(Int32.min) || quotient > Double(Int32.max) { clipped.append(index) }
            quantized[index] = Int32(Swift.min(Swift.max(quotient, Double(Int32.min)), Double(Int32.max)))
        }
        if overflow == .fail, let first = clipped.first {
            throw QuantizationError.biasOverflow(
                tensor: name, count: clipped.count, firstIndex: first, value: values[first])
        }
        let scaleDims: [Int64] = perChannel ? [Int64(channels)] : []
        return QuantizedBias(
            bias: Tensor(
                name: name + "_quantized", dataType: .int32, dims: bias.dims,
                storage: .raw(quantized.map(\.littleEndian).withUnsafeBytes { Data($0) })),
            scale: Tensor.floats(scales, dims: scaleDims, name: name + "_quantized_scale"),
            zeroPoint: Tensor(
                name: name + "_quantized_zero_point", dataType: .int32, dims: scaleDims,
                storage: .raw(Data(count: scales.count * 4))),
            scales: scales, axis: perChannel ? shape.count - 1 : nil, clippedIndices: clipped)
    }

    /// Weight scales raised just enough that the bias fits int32, exactly as ONNX Runtime's
    /// `_adjust_weight_scale_for_int32_bias` (which `quantize_static` applies to symmetric int8/int16
    /// weights before quantizing them): a scale is raised when
    /// `inputScale * weightScale < 1.0001 * 2 * |bias| / (2^32 - 2)`. Scales that need no change are
    /// returned as they are.
    ///
    /// Per tensor, `|bias|` is the largest magnitude of the whole bias; per channel, that of the channel's
    /// bias (for a grouped ConvTranspose, the largest over the channels sharing the scale).
    public static func weightScalesAdjustedForInt32Bias(
        inputScale: Float, weightScales: [Float], bias: [Float], tensor: String
    ) throws -> [Float] {
        let int32Range = Double(Int32.max) - Double(Int32.min + 1)
        let epsilon = 1.0001
        if let index = bias.firstIndex(where: { !$0.isFinite }) {
            throw QuantizationError.nonFiniteValue(tensor: tensor, index: index, value: bias[index])
        }
        guard weightScales.count > 1 else {
            guard let weightScale = weightScales.first, let low = bias.min(), let high = bias.max() else {
                return weightScales
            }
            let absmax = Swift.max(Swift.min(Double(low), 0).magnitude, Swift.max(Double(high), 0).magnitude)
            let smallest = epsilon * (2.0 * absmax) / int32Range
            return [try raised(weightScale, inputScale: inputScale, smallest: smallest, tensor: tensor)]
        }
        guard bias.count % weightScales.count == 0 else {
            throw QuantizationError.invalidParameters(
                tensor: tensor, reason: "\(weightScales.count) weight scales for \(bias.count) bias values")
        }
        return try weightScales.indices.map { channel in
            let magnitude =
                stride(from: channel, to: bias.count, by: weightScales.count).map { bias[$0].magnitude }
                .max() ?? 0
            // ONNX Runtime computes this per-channel bound in float32 (numpy scalar rules), then divides in float64.
            let bound = Float(epsilon) * (2 * magnitude)
            let smallest = Double(bound) / int32Range
            return try raised(weightScales[channel], inputScale: inputScale, smallest: smallest, tensor: tensor)
        }
    }

    private static func raised(_ weightScale: Float, inputScale: Float, smallest: Double, tensor: String) throws
        -> Float
    {
        let candidate = Double(inputScale) * Double(weightScale)
        guard candidate < smallest, candidate > 0 else { return weightScale }
        let raised = Float(Double(weightScale) * (smallest / candidate))
        guard raised.isFinite else {
            throw QuantizationError.invalidParameters(
                tensor: tensor, reason: "weight scale would have to exceed float32 for the bias to fit int32")
        }
        return raised
    }

    private static func checkScale(_ scale: Float, what: String, tensor: String) throws {
        guard scale.isNormal, scale > 0 else {
            throw QuantizationError.invalidParameters(
                tensor: tensor, reason: "\(what) \(scale) is not a positive normal float32")
        }
    }
}
