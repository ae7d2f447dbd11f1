import OnnxIR
import OnnxInterpreter

/// Factors a value must be multiplied by, element by element, written as a small tensor that
/// broadcasts against the value (aligned to its last axis, NumPy-style).
///
/// It starts as `1/s` along one channel axis and changes form as `ScaleAbsorber` carries it back
/// through Reshape, Transpose and MatMul to a producer that can take it. `reciprocals` (here `s`)
/// travel alongside, so a Div by a constant takes `s` exactly rather than `1 / (1/s)`.
struct FactorField: Equatable {
    /// The field's shape, aligned to the end of the value's shape.
    private(set) var shape: [Int]
    /// The factors, row-major over `shape`.
    private(set) var factors: [Float]
    /// `1 / factors`, element by element, as computed where the field was made.
    private(set) var reciprocals: [Float]

    /// The most elements a field may hold once carried through a Reshape (its whole trailing block).
    static let maximumElements = 1 << 22

    /// `factors` along the axis `axisFromEnd` (negative), with `reciprocals` their inverses.
    init(channel factors: [Float], reciprocals: [Float], axisFromEnd: Int) {
        shape = [factors.count] + Array(repeating: 1, count: max(0, -axisFromEnd - 1))
        self.factors = factors
        self.reciprocals = reciprocals
    }

    private init(shape: [Int], factors: [Float], reciprocals: [Float]) {
        self.shape = shape
        self.factors = factors
        self.reciprocals = reciprocals
    }

    /// The field without leading size-1 axes (the smallest rank it needs).
    var trimmed: FactorField {
        var copy = self
        while let first = copy.shape.first, first == 1 { copy.shape.removeFirst() }
        return copy
    }

    /// The rank of the field once trimmed.
    var essentialRank: Int { trimmed.shape.count }

    /// The field written with exactly `rank` axes; nil when it varies along an axis beyond that rank.
    func padded(toRank rank: Int) -> FactorField? {
        let base = trimmed
        guard base.shape.count <= rank else { return nil }
        var copy = base
        copy.shape = Array(repeating: 1, count: rank - base.shape.count) + base.shape
        return copy
    }

    /// The factors along the axis `axisFromEnd` (negative) when the field varies along no other axis.
    func vector(alongAxisFromEnd axisFromEnd: Int) -> (factors: [Float], reciprocals: [Float])? {
        guard axisFromEnd < 0, let full = padded(toRank: max(essentialRank, -axisFromEnd)) else { return nil }
        let axis = full.shape.count + axisFromEnd
        for (index, size) in full.shape.enumerated() where index != axis && size != 1 { return nil }
        return (full.factors, full.reciprocals)
    }

    /// The field on the input of `Transpose(perm)` whose output it is written for; nil when `perm`
    /// does not match the field.
    func beforeTranspose(perm: [Int]) -> FactorField? {
        guard let full = padded(toRank: perm.count), Set(perm) == Set(0..<perm.count) else { return nil }
        var inputShape = [Int](repeating: 1, count: perm.count)
        for (outputAxis, inputAxis) in perm.enumerated() { inputShape[inputAxis] = full.shape[outputAxis] }
        let outputStrides = Self.strides(full.shape)
        var factors = [Float](repeating: 1, count: full.factors.count)
        var reciprocals = factors
        // Walk the input's elements in row-major order and read each from its place in the output.
        var inputIndex = [Int](repeating: 0, count: perm.count)
        for flat in 0..<factors.count {
            var source = 0
            for (outputAxis, inputAxis) in perm.enumerated() {
                source += inputIndex[inputAxis] * outputStrides[outputAxis]
            }
            factors[flat] = full.factors[source]
            reciprocals[flat] = full.reciprocals[source]
            RowMajorIndex.advance(&inputIndex, shape: inputShape)
        }
        return FactorField(shape: inputShape, factors: factors, reciprocals: reciprocals).trimmed
    }

    /// The field on the input of a Reshape from `inputShape` to `outputShape` (static sizes, nil where
    /// unknown); nil when the axes the field varies along are not a trailing block of both shapes
    /// with the same size (which keeps each element's place inside the block).
    func beforeReshape(from inputShape: [Int?], to outputShape: [Int?]) -> FactorField? {
        guard let full = padded(toRank: outputShape.count) else { return nil }
        let first = full.shape.firstIndex { $0 != 1 } ?? full.shape.count
        var block: [Int] = []
        var blockSize = 1
        for size in outputShape[first...] {
            // Checked one size at a time, so no product of sizes from a file can overflow.
            guard let size, size > 0, size <= Self.maximumElements / blockSize else { return nil }
            block.append(size)
            blockSize *= size
        }
        var inputBlock: [Int] = []
        var product = 1
        var axis = inputShape.count - 1
        while product < blockSize {
            guard axis >= 0, let size = inputShape[axis], size > 0, size <= Self.maximumElements else { return nil }
            product *= size
            inputBlock.insert(size, at: 0)
            axis -= 1
        }
        guard product == blockSize else { return nil }
        guard
            let expanded = FactorField(
                shape: Array(full.shape[first...]), factors: full.factors, reciprocals: full.reciprocals
            ).expanded(to: block)
        else { return nil }
        return FactorField(shape: inputBlock, factors: expanded.factors, reciprocals: expanded.reciprocals).trimmed
    }

    /// The field on the right operand `B` of a `MatMul` of output rank `outputRank` whose output it is
    /// written for, given `B`'s static shape; nil when it varies along the output's row axis (which
    /// comes from the left operand), along axes `B` lacks, or along a batch axis `B` broadcasts.
    func beforeMatMulRightOperand(outputRank: Int, rightShape: [Int?]) -> FactorField? {
        let rank = rightShape.count
        guard outputRank >= 2, rank >= 2, rank <= outputRank, let full = padded(toRank: outputRank),
            full.shape[outputRank - 2] == 1, full.shape[..<(outputRank - rank)].allSatisfy({ $0 == 1 })
        else { return nil }
        let shape = Array(full.shape[(outputRank - rank)...])
        for axis in 0..<(rank - 1) where shape[axis] != 1 {
            guard rightShape[axis] == shape[axis] else { return nil }
        }
        return FactorField(shape: shape, factors: full.factors, reciprocals: full.reciprocals).trimmed
    }

    /// Whether a value of static `sizes` (nil where unknown) can take the field without changing shape:
    /// the field fits its rank, and along every axis the field varies the value's size is that size
    /// or unknown.
    func fits(_ sizes: [Int?]) -> Bool {
        guard let full = padded(toRank: max(sizes.count, essentialRank)), essentialRank <= sizes.count else {
            return false
        }
        let offset = full.shape.count - sizes.count
        for (axis, size) in sizes.enumerated() where full.shape[axis + offset] != 1 {
            if let size, size != full.shape[axis + offset] { return false }
        }
        return true
    }

    /// `tensor` times the factors (or, with `reciprocal`, divided by them), broadcast; with `widen`
    /// the result may grow along the field's axes, else it must keep `tensor`'s shape. Nil when
    /// `tensor` is not a readable float32 constant or does not broadcast with the field.
    func scaling(_ tensor: Tensor, reciprocal: Bool = false, widen: Bool) -> Tensor? {
        guard tensor.dataType == .float, let values = ConstantData.floats(tensor) else { return nil }
        let tensorShape = tensor.dims.map(Int.init)
        let base = trimmed
        let rank = max(tensorShape.count, base.shape.count)
        let paddedTensor = Array(repeating: 1, count: rank - tensorShape.count) + tensorShape
        guard let field = base.padded(toRank: rank) else { return nil }
        var result: [Int] = []
        for (size, fieldSize) in zip(paddedTensor, field.shape) {
            guard size == fieldSize || size == 1 || fieldSize == 1 else { return nil }
            result.append(max(size, fieldSize))
        }
        guard widen || result == tensorShape else { return nil }
        let count = result.reduce(1, *)
        guard count <= Self.maximumElements else { return nil }
        let tensorStrides = Self.broadcastStrides(paddedTensor)
        let fieldStrides = Self.broadcastStrides(field.shape)
        let multipliers = reciprocal ? field.reciprocals : field.factors
        var output = [Float](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: rank)
        for flat in 0..<count {
            var source = 0
            var factor = 0
            for axis in 0..<rank {
                source += index[axis] * tensorStrides[axis]
                factor += index[axis] * fieldStrides[axis]
            }
            output[flat] = values[source] * multipliers[factor]
            RowMajorIndex.advance(&index, shape: result)
        }
        return Tensor.floats(output, dims: result.map(Int64.init), name: tensor.name)
    }

    /// The field broadcast to exactly `target` (same rank); nil when it does not broadcast.
    private func expanded(to target: [Int]) -> FactorField? {
        guard shape.count == target.count,
            zip(shape, target).allSatisfy({ $0 == $1 || $0 == 1 })
        else { return nil }
        let count = target.reduce(1, *)
        let strides = Self.broadcastStrides(shape)
        var factors = [Float](repeating: 1, count: count)
        var reciprocals = factors
        var index = [Int](repeating: 0, count: target.count)
        for flat in 0..<count {
            var source = 0
            for axis in 0..<target.count { source += index[axis] * strides[axis] }
            factors[flat] = self.factors[source]
            reciprocals[flat] = self.reciprocals[source]
            RowMajorIndex.advance(&index, shape: target)
        }
        return FactorField(shape: target, factors: factors, reciprocals: reciprocals)
    }

    /// Row-major strides of `shape`.
    private static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in shape.indices.reversed() {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// Row-major strides of `shape`, 0 along size-1 axes (which broadcast).
    private static func broadcastStrides(_ shape: [Int]) -> [Int] {
        zip(strides(shape), shape).map { $1 == 1 ? 0 : $0 }
    }
}
