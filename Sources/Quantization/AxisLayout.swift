/// Where each element of a tensor finds its scale: the tensor seen as `[outer, axis, inner]` with the
/// parameter index `outer * outerStride + (axisIndex / blockSize) * groupStride + inner * innerStride`.
struct AxisLayout {
    /// Product of the dimensions before the axis.
    let outerCount: Int
    /// Length of the axis.
    let axisLength: Int
    /// Product of the dimensions after the axis.
    let innerCount: Int
    /// Axis indices that share a parameter.
    let blockSize: Int
    /// Parameter-index step per outer index.
    let outerStride: Int
    /// Parameter-index step per block of the axis.
    let groupStride: Int
    /// Parameter-index step per inner index.
    let innerStride: Int
    /// The normalized granularity (axis in `0..<rank`).
    let granularity: QuantGranularity
    /// Shape of the scale and zero-point tensors.
    let parameterShape: [Int]

    /// The layout of `granularity` over a tensor of `shape`; `tensor` names it in errors.
    init(shape: [Int], granularity: QuantGranularity, tensor: String) throws {
        let count = TensorShapeCheck.elementCount(shape)
        switch granularity {
        case .perTensor:
            self.init(
                outer: 1, axis: 1, inner: count, block: 1, strides: (0, 0, 0), granularity: .perTensor,
                parameterShape: [])
        case .perChannel(let axis):
            let axis = try Self.normalize(axis: axis, rank: shape.count, tensor: tensor)
            let (outer, inner) = Self.split(shape, at: axis)
            self.init(
                outer: outer, axis: shape[axis], inner: inner, block: 1, strides: (0, 1, 0),
                granularity: .perChannel(axis: axis), parameterShape: [shape[axis]])
        case .perBlock(let axis, let blockSize):
            let axis = try Self.normalize(axis: axis, rank: shape.count, tensor: tensor)
            guard blockSize > 0 else { throw QuantizationError.invalidBlockSize(tensor: tensor, blockSize: blockSize) }
            let (outer, inner) = Self.split(shape, at: axis)
            let groups = (shape[axis] + blockSize - 1) / blockSize
            var parameterShape = shape
            parameterShape[axis] = groups
            self.init(
                outer: outer, axis: shape[axis], inner: inner, block: blockSize,
                strides: (groups * inner, inner, 1), granularity: .perBlock(axis: axis, blockSize: blockSize),
                parameterShape: parameterShape)
        }
    }

    private init(
        outer: Int, axis: Int, inner: Int, block: Int, strides: (Int, Int, Int), granularity: QuantGranularity,
        parameterShape: [Int]
    ) {
        outerCount = outer
        axisLength = axis
        innerCount = inner
        blockSize = block
        (outerStride, groupStride, innerStride) = strides
        self.granularity = granularity
        self.parameterShape = parameterShape
    }

    /// Number of scales.
    var parameterCount: Int { TensorShapeCheck.elementCount(parameterShape) }

    /// Calls `body(elementIndex, parameterIndex)` for every element, in storage order.
    func forEachElement(_ body: (Int, Int) throws -> Void) rethrows {
        var element = 0
        for outer in 0..<outerCount {
            for axisIndex in 0..<axisLength {
                let base = outer * outerStride + (axisIndex / blockSize) * groupStride
                for inner in 0..<innerCount {
                    try body(element, base + inner * innerStride)
                    element += 1
                }
            }
        }
    }

    private static func normalize(axis: Int, rank: Int, tensor: String) throws -> Int {
        let normalized = axis < 0 ? axis + rank : axis
        guard normalized >= 0, normalized < rank else {
            throw QuantizationError.invalidAxis(tensor: tensor, axis: axis, rank: rank)
        }
        return normalized
    }

    private static func split(_ shape: [Int], at axis: Int) -> (outer: Int, inner: Int) {
        (
            TensorShapeCheck.elementCount(Array(shape[..<axis])),
            TensorShapeCheck.elementCount(Array(shape[(axis + 1)...]))
        )
    }
}
