import Foundation
import OnnxIR

/// DequantizeLinear on the host, to measure quantization error.
public enum Dequantizer {
    /// The float32 values of a quantized tensor (`raw_data` in `params.format`, shape `params.tensorShape`).
    public static func dequantize(_ quantized: Tensor, params: QuantParamSet) throws -> [Float] {
        let name = quantized.name ?? ""
        guard quantized.dataType == params.format.dataType else {
            throw QuantizationError.unsupportedDataType(tensor: name, dataType: quantized.dataType)
        }
        guard try TensorShapeCheck.shape(of: quantized) == params.tensorShape else {
            throw QuantizationError.invalidParameters(
                tensor: name, reason: "parameters are for shape \(params.tensorShape), tensor has \(quantized.dims)")
        }
        return try dequantize(data: quantized.rawBytes(), params: params, tensor: name)
    }

    /// The float32 values of packed quantized bytes: `(q - zeroPoint) * scale` in float32
    /// (8-bit floats: `value(q) * scale`).
    public static func dequantize(data: Data, params: QuantParamSet, tensor: String) throws -> [Float] {
        let count = TensorShapeCheck.elementCount(params.tensorShape)
        let reader = try CodeReader(format: params.format, data: data, count: count, tensor: tensor)
        let layout = try params.layout(tensor: tensor)
        let elementParams = params.scales.indices.compactMap { params.params(at: $0) }
        var values = [Float](repeating: 0, count: count)
        layout.forEachElement { element, parameter in
            values[element] = elementParams[parameter].value(of: reader.code(at: element))
        }
        return values
    }
}

extension Dequantizer {
    /// The codes of a tensor of `format` (integers as their values, 8-bit floats as bit patterns), in row-major
    /// order: what a zero-point initializer holds.
    public static func codes(of tensor: Tensor, format: QuantFormat) throws -> [Int] {
        let name = tensor.name ?? ""
        guard tensor.dataType == format.dataType else {
            throw QuantizationError.unsupportedDataType(tensor: name, dataType: tensor.dataType)
        }
        let count = TensorShapeCheck.elementCount(try TensorShapeCheck.shape(of: tensor))
        let reader = try CodeReader(format: format, data: tensor.rawBytes(), count: count, tensor: name)
        return (0..<count).map(reader.code(at:))
    }
}
