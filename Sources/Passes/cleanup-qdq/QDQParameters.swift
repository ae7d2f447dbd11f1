import Foundation
import OnnxIR
import Quantization

/// The constant scale, zero point and attributes of one QuantizeLinear or DequantizeLinear node.
///
/// Two nodes with equal parameters quantize and dequantize the same way, which is what `cleanup-qdq`
/// compares; a node whose parameters are not constants (or have no explicit zero point) reads as nil
/// and is never rewritten.
struct QDQParameters: Equatable {
    /// The scales in order.
    let scales: [Float]
    /// The scale tensor's shape.
    let scaleDims: [Int64]
    /// The zero point's element type (the quantized format).
    let zeroPointType: DataType
    /// The zero point's bytes.
    let zeroPointBytes: Data
    /// The `axis` attribute when there is more than one scale.
    let axis: Int64?
    /// The `block_size` attribute, if any.
    let blockSize: Int64?

    /// The parameters of `node`, or nil when they are not plain constants.
    init?(_ node: Node) {
        guard ["QuantizeLinear", "DequantizeLinear"].contains(node.opType), OpsetImport.isDefaultDomain(node.domain),
            node.inputs.count == 3, let scaleValue = node.inputs[1], let zeroValue = node.inputs[2],
            let scaleTensor = ConstantData.tensor(of: scaleValue), let scales = ConstantData.floats(scaleTensor),
            let zeroTensor = ConstantData.tensor(of: zeroValue), let bytes = try? zeroTensor.rawBytes(),
            !scales.isEmpty
        else { return nil }
        self.scales = scales
        scaleDims = scaleTensor.dims
        zeroPointType = zeroTensor.dataType
        zeroPointBytes = bytes
        axis = scales.count > 1 ? (node.attribute("axis")?.int ?? 1) : nil
        blockSize = node.attribute("block_size")?.int
    }

    /// The format, when the zero point's type is one of ours.
    var format: QuantFormat? { QuantFormat(dataType: zeroPointType) }

    /// The single scale and zero point of per-tensor parameters, or nil.
    var perTensor: QuantParams? {
        guard scales.count == 1, blockSize == nil, let format else { return nil }
        let zeroPoint: Int
        if format.isFloat8 {
            guard zeroPointBytes.allSatisfy({ $0 == 0 }) else { return nil }
            zeroPoint = 0
        } else {
            guard
                let codes = ConstantData.int64s(
                    Tensor(name: nil, dataType: zeroPointType, dims: [], storage: .raw(zeroPointBytes))),
                let first = codes.first
            else { return nil }
            zeroPoint = Int(first)
        }
        return try? QuantParams(format: format, scale: scales[0], zeroPoint: zeroPoint)
    }
}
