import OnnxIR
import Quantization

/// The scale, zero point, format and granularity one QuantizeLinear or DequantizeLinear node of an input model
/// applies, read from its constant inputs and attributes.
///
/// Reading never judges: `check(shape:)` does, so that `import-qdq{requantize=true}` can still take apart a
/// pair whose parameters are unusable.
struct ForeignPairParameters {
    /// The node read.
    let node: Node
    /// The scales, row-major.
    let scales: [Float]
    /// The scale tensor's dimensions.
    let scaleDims: [Int64]
    /// The quantized element type: the zero point's type, else `output_dtype` (QuantizeLinear) or the input's
    /// type (DequantizeLinear), else uint8.
    let dataType: DataType
    /// The zero points as codes (8-bit floats: bit patterns); zeros when the input is absent.
    let zeroPoints: [Int]
    /// The zero point's element type when the node has one.
    let zeroPointType: DataType?
    /// The `axis` attribute (default 1).
    let axis: Int
    /// The `block_size` attribute, when positive.
    let blockSize: Int?

    /// Reads `node`'s parameters; throws naming the node when they are not constants qdqc can read.
    // Not optimized: Swift 6.3.1's CopyPropagation stops with an ownership error on this function in release
    // builds (a compiler crash, not yet reported); it runs once per Q/DQ node, so speed does not matter.
    @_optimize(none)
    static func read(_ node: Node, inputType: DataType?) throws -> ForeignPairParameters {
        let name = "\(node.opType) '\(node.displayName)'"
        guard node.inputs.count >= 2, let scaleValue = node.inputs[1],
            let scaleTensor = ConstantData.tensor(of: scaleValue)
        else { throw ImportQDQError("import-qdq: \(name): its scale is not a constant") }
        guard let scales = ConstantData.floats(scaleTensor), !scales.isEmpty else {
            throw ImportQDQError("import-qdq: \(name): its scale is not a readable float32 tensor")
        }
        let zeroTensor = try zeroPointTensor(of: node, name: name)
        let declared = node.attribute("output_dtype")?.int.flatMap { DataType(rawValue: Int32($0)) }
        var dataType: DataType = node.opType == "QuantizeLinear" ? (declared ?? .uint8) : (inputType ?? .uint8)
        var zeroPoints = [Int](repeating: 0, count: scales.count)
        if let zeroTensor {
            dataType = zeroTensor.dataType
            zeroPoints = try codes(of: zeroTensor, name: name)
        }
        return ForeignPairParameters(
            node: node, scales: scales, scaleDims: scaleTensor.dims, dataType: dataType, zeroPoints: zeroPoints,
            zeroPointType: zeroTensor?.dataType, axis: Int(node.attribute("axis")?.int ?? 1),
            blockSize: node.attribute("block_size")?.int.flatMap { $0 > 0 ? Int($0) : nil })
    }

    private init(
        node: Node, scales: [Float], scaleDims: [Int64], dataType: DataType, zeroPoints: [Int],
        zeroPointType: DataType?, axis: Int, blockSize: Int?
    ) {
        self.node = node
        self.scales = scales
        self.scaleDims = scaleDims
        self.dataType = dataType
        self.zeroPoints = zeroPoints
        self.zeroPointType = zeroPointType
        self.axis = axis
        self.blockSize = blockSize
    }

    /// The zero-point constant of `node`, nil when the input is absent.
    private static func zeroPointTensor(of node: Node, name: String) throws -> Tensor? {
        guard node.inputs.count > 2, let zeroValue = node.inputs[2] else { return nil }
        guard let tensor = ConstantData.tensor(of: zeroValue) else {
            throw ImportQDQError("import-qdq: \(name): its zero point is not a constant")
        }
        return tensor
    }

    /// The zero points as codes (8-bit floats: bit patterns; int32 as values).
    private static func codes(of tensor: Tensor, name: String) throws -> [Int] {
        if let format = QuantFormat(dataType: tensor.dataType) {
            do {
                return try Dequantizer.codes(of: tensor, format: format)
            } catch {
                throw ImportQDQError("import-qdq: \(name): cannot read its zero point: \(error)")
            }
        }
        guard let values = ConstantData.int64s(tensor) else {
            throw ImportQDQError("import-qdq: \(name): zero point of type \(tensor.dataType) is not a quantized type")
        }
        return values.map { Int($0) }
    }

    /// The granularity the attributes and the scale's shape say.
    var granularity: QuantGranularity {
        if let blockSize { return .perBlock(axis: axis, blockSize: blockSize) }
        if scales.count == 1, scaleDims.count <= 1 { return .perTensor }
        return .perChannel(axis: axis)
    }

    /// The checked parameters for a tensor of `shape`: scales finite, positive and normal, zero points in the
    /// range of their type, one scale per channel or block; throws naming the node otherwise.
    func check(shape: [Int]) throws -> QuantParamSet {
        let name = "\(node.opType) '\(node.displayName)'"
        guard let format = QuantFormat(dataType: dataType), QuantFormat.qdqFormats.contains(format) else {
            throw ImportQDQError("import-qdq: \(name): \(dataType) is not a Q/DQ format qdqc keeps")
        }
        if let bad = scales.first(where: { !($0.isNormal && $0 > 0) }) {
            throw ImportQDQError(
                "import-qdq: \(name): scale \(bad) is not a finite positive number (give --requantize to replace "
                    + "the pair by calibration)")
        }
        if zeroPoints.count != scales.count {
            throw ImportQDQError(
                "import-qdq: \(name): \(scales.count) scales but \(zeroPoints.count) zero points")
        }
        do {
            return try QuantParamSet(
                format: format, granularity: granularity, tensorShape: shape, scales: scales, zeroPoints: zeroPoints,
                tensor: node.displayName)
        } catch let error as QuantizationError {
            throw ImportQDQError("import-qdq: \(name): \(error) (give --requantize to replace the pair by calibration)")
        }
    }

    /// Whether `other` quantizes the same way: same type, scales and zero points.
    func matches(_ other: ForeignPairParameters) -> Bool {
        dataType == other.dataType && scales == other.scales && zeroPoints == other.zeroPoints
            && granularity == other.granularity
    }
}
