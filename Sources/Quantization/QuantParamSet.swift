import Foundation
import OnnxIR

/// The scales and zero points of one tensor at some granularity, with the shape they apply to.
public struct QuantParamSet: Hashable, Sendable {
    /// The quantized element type.
    public let format: QuantFormat
    /// The granularity, with the axis normalized to `0..<rank`.
    public let granularity: QuantGranularity
    /// Shape of the tensor the parameters quantize.
    public let tensorShape: [Int]
    /// Shape of the scale and zero-point tensors: `[]`, `[C]`, or the blocked shape.
    public let parameterShape: [Int]
    /// The scales in row-major order of `parameterShape`; each a positive normal float32.
    public let scales: [Float]
    /// The zero points, same order; 0 for 8-bit floats.
    public let zeroPoints: [Int]

    /// Checks and wraps parameters; `tensor` names the tensor in errors.
    public init(
        format: QuantFormat, granularity: QuantGranularity, tensorShape: [Int], scales: [Float], zeroPoints: [Int],
        tensor: String
    ) throws {
        let shape = try TensorShapeCheck.shape(tensorShape, tensor: tensor)
        let layout = try AxisLayout(shape: shape, granularity: granularity, tensor: tensor)
        guard scales.count == layout.parameterCount, zeroPoints.count == layout.parameterCount else {
            throw QuantizationError.invalidParameters(
                tensor: tensor,
                reason:
                    "\(scales.count) scales and \(zeroPoints.count) zero points for parameter shape \(layout.parameterShape)"
            )
        }
        for (scale, zeroPoint) in zip(scales, zeroPoints) {
            _ = try QuantParams(format: format, scale: scale, zeroPoint: zeroPoint, tensor: tensor)
        }
        self.init(checkedFormat: format, layout: layout, tensorShape: shape, scales: scales, zeroPoints: zeroPoints)
    }

    /// Wraps parameters computed by this module.
    init(checkedFormat format: QuantFormat, layout: AxisLayout, tensorShape: [Int], scales: [Float], zeroPoints: [Int])
    {
        self.format = format
        self.granularity = layout.granularity
        self.tensorShape = tensorShape
        self.parameterShape = layout.parameterShape
        self.scales = scales
        self.zeroPoints = zeroPoints
    }

    /// The quantization axis for the QuantizeLinear/DequantizeLinear `axis` attribute, nil per tensor.
    public var axis: Int? { granularity.axis }

    /// The `block_size` attribute, nil unless blocked.
    public var blockSize: Int? { granularity.blockSize }

    /// Whether every zero point is 0 (the zero-point input may then be left out).
    public var zeroPointsAreZero: Bool { zeroPoints.allSatisfy { $0 == 0 } }

    /// The parameters at `index` in `scales`, or nil when out of range.
    public func params(at index: Int) -> QuantParams? {
        guard scales.indices.contains(index), zeroPoints.indices.contains(index) else { return nil }
        return QuantParams(checkedFormat: format, scale: scales[index], zeroPoint: zeroPoints[index])
    }

    /// The scale as a float32 initializer of shape `parameterShape`.
    public func scaleTensor(name: String?) -> Tensor {
        Tensor.floats(scales, dims: parameterShape.map(Int64.init), name: name)
    }

    /// The zero point as an initializer of the quantized type (4-bit values packed), shape `parameterShape`.
    public func zeroPointTensor(name: String?) -> Tensor {
        var writer = CodeWriter(format: format, count: zeroPoints.count)
        for (index, zeroPoint) in zeroPoints.enumerated() { writer.set(index, code: zeroPoint) }
        return Tensor(
            name: name, dataType: format.dataType, dims: parameterShape.map(Int64.init), storage: .raw(writer.data))
    }

    /// The element-to-parameter layout.
    func layout(tensor: String) throws -> AxisLayout {
        try AxisLayout(shape: tensorShape, granularity: granularity, tensor: tensor)
    }
}

extension QuantParamSet {
    /// The same parameters with other scales (e.g. weight scales raised so an int32 bias fits).
    public func replacingScales(_ newScales: [Float], tensor: String) throws -> QuantParamSet {
        try QuantParamSet(
            format: format, granularity: granularity, tensorShape: tensorShape, scales: newScales,
            zeroPoints: zeroPoints, tensor: tensor)
    }
}
