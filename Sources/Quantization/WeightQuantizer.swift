import Foundation
import OnnxIR

/// Quantizes constant float32 tensors (weights) per tensor, per channel or per block.
public enum WeightQuantizer {
    /// Parameters for `weight` from its own minimum and maximum in each slice, as ONNX Runtime's
    /// `compute_data_quant_params` computes them per tensor and for each channel, and as its
    /// `compute_scale_zp_blocked` computes them per block (an empty slice gets scale 1.0).
    public static func parameters(
        for weight: Tensor, scheme: QuantScheme, granularity: QuantGranularity
    ) throws -> QuantParamSet {
        try parameters(
            values: TensorShapeCheck.floatValues(of: weight), shape: TensorShapeCheck.shape(of: weight),
            scheme: scheme, granularity: granularity, tensor: weight.name ?? "")
    }

    /// Parameters for row-major `values` of `shape`; `tensor` names it in errors. NaN or infinite
    /// values are refused.
    public static func parameters(
        values: [Float], shape: [Int], scheme: QuantScheme, granularity: QuantGranularity, tensor: String
    ) throws -> QuantParamSet {
        let shape = try TensorShapeCheck.shape(shape, tensor: tensor)
        try checkCount(values.count, shape: shape, tensor: tensor)
        let layout = try AxisLayout(shape: shape, granularity: granularity, tensor: tensor)
        var minima = [Float](repeating: .infinity, count: layout.parameterCount)
        var maxima = [Float](repeating: -.infinity, count: layout.parameterCount)
        try layout.forEachElement { element, parameter in
            let value = values[element]
            guard value.isFinite else {
                throw QuantizationError.nonFiniteValue(tensor: tensor, index: element, value: value)
            }
            minima[parameter] = Swift.min(minima[parameter], value)
            maxima[parameter] = Swift.max(maxima[parameter], value)
        }
        var scales: [Float] = []
        var zeroPoints: [Int] = []
        scales.reserveCapacity(layout.parameterCount)
        zeroPoints.reserveCapacity(layout.parameterCount)
        for (low, high) in zip(minima, maxima) {
            let isEmpty = low > high
            let params = try scheme.params(
                rmin: isEmpty ? 0 : low, rmax: isEmpty ? 0 : high, blockArithmetic: granularity.blockSize != nil,
                tensor: tensor)
            scales.append(params.scale)
            zeroPoints.append(params.zeroPoint)
        }
        return QuantParamSet(
            checkedFormat: scheme.format, layout: layout, tensorShape: shape, scales: scales, zeroPoints: zeroPoints)
    }

    /// Computes parameters for `weight` and quantizes it.
    public static func quantize(
        _ weight: Tensor, scheme: QuantScheme, granularity: QuantGranularity
    ) throws -> QuantizedWeight {
        let values = try TensorShapeCheck.floatValues(of: weight)
        let params = try parameters(
            values: values, shape: TensorShapeCheck.shape(of: weight), scheme: scheme, granularity: granularity,
            tensor: weight.name ?? "")
        return try quantize(weight, values: values, params: params)
    }

    /// Quantizes `weight` with given parameters (e.g. scales raised for an int32 bias).
    public static func quantize(_ weight: Tensor, params: QuantParamSet) throws -> QuantizedWeight {
        try quantize(weight, values: TensorShapeCheck.floatValues(of: weight), params: params)
    }

    /// QuantizeLinear of row-major `values` (shape `params.tensorShape`) as packed `raw_data` bytes:
    /// round half to even, saturate to the full range of the type, 4-bit values low nibble first.
    public static func quantizedData(values: [Float], params: QuantParamSet, tensor: String) throws -> Data {
        try checkCount(values.count, shape: params.tensorShape, tensor: tensor)
        let layout = try params.layout(tensor: tensor)
        let quantizers = params.scales.indices.map {
            ElementQuantizer(
                QuantParams(checkedFormat: params.format, scale: params.scales[$0], zeroPoint: params.zeroPoints[$0]))
        }
        var writer = CodeWriter(format: params.format, count: values.count)
        let firstNaN = values.withUnsafeBufferPointer { input in
            writer.store(input, layout: layout) { quantizers[$0].code(for: $1) }
        }
        if let firstNaN {
            throw QuantizationError.nonFiniteValue(tensor: tensor, index: firstNaN, value: values[firstNaN])
        }
        return writer.data
    }

    private static func quantize(_ weight: Tensor, values: [Float], params: QuantParamSet) throws -> QuantizedWeight {
        let name = weight.name ?? ""
        guard try TensorShapeCheck.shape(of: weight) == params.tensorShape else {
            throw QuantizationError.invalidParameters(
                tensor: name, reason: "parameters are for shape \(params.tensorShape), weight has \(weight.dims)")
        }
        let data = try quantizedData(values: values, params: params, tensor: name)
        let quantized = Tensor(
            name: name + "_quantized", dataType: params.format.dataType, dims: weight.dims, storage: .raw(data))
        return QuantizedWeight(
            weight: quantized, scale: params.scaleTensor(name: name + "_scale"),
            zeroPoint: params.zeroPointTensor(name: name + "_zero_point"), params: params)
    }

    private static func checkCount(_ count: Int, shape: [Int], tensor: String) throws {
        let expected = TensorShapeCheck.elementCount(shape)
        guard count == expected else {
            throw QuantizationError.invalidTensor(tensor: tensor, reason: "\(count) values for shape \(shape)")
        }
    }
}
