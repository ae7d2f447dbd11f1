import OnnxIR
import OnnxInterpreter

/// A dimension as the layout rules read it: a known size, a symbolic name, or nothing known.
enum LayoutSize: Equatable {
    case known(Int)
    case symbol(String)
    case unknown

    /// The sizes of `shape`'s dimensions.
    ///
    /// A plain loop: Swift 6.3.1's release optimizer aborts ("Found ownership error") on closures over
    /// `shape.dimensions` in this module (docs/architecture.md).
    static func of(_ shape: Shape) -> [LayoutSize] {
        var sizes: [LayoutSize] = []
        sizes.reserveCapacity(shape.rank)
        for dimension in shape.dimensions {
            switch dimension.kind {
            case .known(let size): sizes.append(.known(Int(size)))
            case .symbolic(let name): sizes.append(.symbol(name))
            case .unknown: sizes.append(.unknown)
            }
        }
        return sizes
    }
}

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

    /// The field on the input of a Reshape from `inputShape` to `outputShape`; nil when an element's factor
    /// cannot be followed back to its place in the input.
    ///
    /// The shapes are matched from the last axis: axes of known size form groups holding as many elements on
    /// both sides (`[.., 2, 2, seq, 20]` ↔ `[.., 4, seq, 20]` gives the groups `20 ↔ 20` and `2·2 ↔ 4`), the
    /// same symbolic dimension on both sides matches itself, and size-1 axes match nothing. Each group keeps
    /// the row-major order of its elements, so the field may vary inside any group; along an axis that is
    /// matched only by name, and along the axes left of a part that cannot be matched, it must be constant.
    func beforeReshape(from inputShape: [LayoutSize], to outputShape: [LayoutSize]) -> FactorField? {
        guard let full = padded(toRank: outputShape.count) else { return nil }
        var inputField = [Int](repeating: 1, count: inputShape.count)
        var expandedOutput = [Int](repeating: 1, count: outputShape.count)
        var output = outputShape.count - 1
        var input = inputShape.count - 1
        while output >= 0 || input >= 0 {
            if output >= 0, outputShape[output] == .known(1) {
                output -= 1
                continue
            }
            if input >= 0, inputShape[input] == .known(1) {
                input -= 1
                continue
            }
            guard output >= 0, input >= 0 else { break }
            switch (outputShape[output], inputShape[input]) {
            case (.known(let outputSize), .known(let inputSize)):
                guard outputSize > 0, inputSize > 0 else { return nil }
                let lastOutput = output
                let lastInput = input
                var outputProduct = outputSize
                var inputProduct = inputSize
                while outputProduct != inputProduct {
                    if outputProduct < inputProduct {
                        output -= 1
                        guard output >= 0, case .known(let size) = outputShape[output], size > 0,
                            outputProduct <= Self.maximumElements / size
                        else { return nil }
                        outputProduct *= size
                    } else {
                        input -= 1
                        guard input >= 0, case .known(let size) = inputShape[input], size > 0,
                            inputProduct <= Self.maximumElements / size
                        else { return nil }
                        inputProduct *= size
                    }
                }
                if full.shape[output...lastOutput].contains(where: { $0 != 1 }) {
                    for axis in output...lastOutput {
                        if case .known(let size) = outputShape[axis] { expandedOutput[axis] = size }
                    }
                    for axis in input...lastInput {
                        if case .known(let size) = inputShape[axis] { inputField[axis] = size }
                    }
                }
                output -= 1
                input -= 1
            case (.symbol(let outputName), .symbol(let inputName)) where outputName == inputName:
                guard full.shape[output] == 1 else { return nil }
                output -= 1
                input -= 1
            default:
                // Nothing left of here can be matched: the factors must not vary there.
                guard full.shape[...output].allSatisfy({ $0 == 1 }) else { return nil }
                output = -1
            }
        }
        if output >= 0, full.shape[...output].contains(where: { $0 != 1 }) { return nil }
        guard expandedOutput.reduce(1, *) <= Self.maximumElements, let expanded = full.expanded(to: expandedOutput)
        else { return nil }
        // Each group keeps its elements' order and the groups keep theirs: the values stay as they are.
        return FactorField(shape: inputField, factors: expanded.factors, reciprocals: expanded.reciprocals)
            .withoutConstantAxes
    }

    /// The field with size 1 along every axis it does not vary along (a regrouped field may repeat itself
    /// along an axis: `[f0, f1]` on `[4, 2]` is `[f0, f1, f0, f1]` on `[2, 4]`, constant along the rows).
    var withoutConstantAxes: FactorField {
        var field = self
        for axis in field.shape.indices where field.shape[axis] > 1 {
            var kept = field.shape
            kept[axis] = 1
            let strides = Self.strides(field.shape)
            var factors: [Float] = []
            var reciprocals: [Float] = []
            var constant = true
            var index = [Int](repeating: 0, count: kept.count)
            for _ in 0..<kept.reduce(1, *) {
                let base = zip(index, strides).reduce(0) { $0 + $1.0 * $1.1 }
                for step in 1..<field.shape[axis]
                where field.factors[base + step * strides[axis]] != field.factors[base] {
                    constant = false
                }
                factors.append(field.factors[base])
                reciprocals.append(field.reciprocals[base])
                RowMajorIndex.advance(&index, shape: kept)
            }
            if constant { field = FactorField(shape: kept, factors: factors, reciprocals: reciprocals) }
        }
        return field.trimmed
    }

    /// The field on the input of an `Expand` (or any broadcast) from `inputShape` to `outputShape`; nil when
    /// the factors vary along an axis the broadcast creates or stretches (those values are copies of one
    /// input element, which can take only one factor).
    func beforeExpand(from inputShape: [LayoutSize], to outputShape: [LayoutSize]) -> FactorField? {
        guard let collapsed = collapsingBroadcastAxes(from: inputShape, to: outputShape),
            collapsed.isConstantAlongCollapsedAxes
        else { return nil }
        return collapsed.field
    }

    /// The channels that must share one factor so that the field passes an `Expand` from `inputShape` to
    /// `outputShape`, for a field whose factors are channel numbers (`0, 1, ...`): each class lists the
    /// channels one input element is copied to. Only classes of two or more channels are listed.
    func broadcastClasses(from inputShape: [LayoutSize], to outputShape: [LayoutSize]) -> [[Int]] {
        guard let collapsed = collapsingBroadcastAxes(from: inputShape, to: outputShape) else { return [] }
        return collapsed.classes.filter { $0.count > 1 }
    }

    /// The field padded to the output's rank and gathered onto the input's elements: for each input
    /// element, the factors of the output elements it is copied to.
    private func collapsingBroadcastAxes(from inputShape: [LayoutSize], to outputShape: [LayoutSize]) -> (
        field: FactorField, classes: [[Int]], isConstantAlongCollapsedAxes: Bool
    )? {
        let rank = outputShape.count
        guard inputShape.count <= rank, let full = padded(toRank: rank) else { return nil }
        let offset = rank - inputShape.count
        var kept = [Int](repeating: 1, count: rank)
        for axis in 0..<rank where full.shape[axis] != 1 {
            let inputAxis = axis - offset
            let isBroadcast = inputAxis < 0 || (inputShape[inputAxis] == .known(1) && outputShape[axis] != .known(1))
            if !isBroadcast { kept[axis] = full.shape[axis] }
        }
        var groups = [[Int]](repeating: [], count: kept.reduce(1, *))
        var factors = [Float](repeating: 1, count: groups.count)
        var reciprocals = factors
        let keptStrides = Self.broadcastStrides(kept)
        var index = [Int](repeating: 0, count: rank)
        for flat in 0..<full.factors.count {
            var target = 0
            for axis in 0..<rank { target += index[axis] * keptStrides[axis] }
            groups[target].append(flat)
            factors[target] = full.factors[flat]
            reciprocals[target] = full.reciprocals[flat]
            RowMajorIndex.advance(&index, shape: full.shape)
        }
        let constant = groups.allSatisfy { group in group.allSatisfy { full.factors[$0] == full.factors[group[0]] } }
        let classes = groups.map { group in group.map { Int(full.factors[$0]) } }
        let field = FactorField(shape: Array(kept[offset...]), factors: factors, reciprocals: reciprocals)
        return (field.trimmed, classes, constant)
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
