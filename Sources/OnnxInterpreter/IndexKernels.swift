import OnnxIR

/// Operators driven by index tensors: Gather, GatherElements, GatherND, ScatterElements,
/// ScatterND, OneHot and Trilu. Every index is checked against its axis; a bad one is an
/// error naming the tensor, never an out-of-bounds read.
enum IndexKernels {
    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        table[":Gather"] = { context in
            let axis = try context.int("axis", default: 0)
            return { call in [try gather(call.input(0), indices: call.input(1), axis: axis, name: call.inputName(1))] }
        }
        table[":GatherElements"] = { context in
            let axis = try context.int("axis", default: 0)
            return { call in
                [try gatherElements(call.input(0), indices: call.input(1), axis: axis, name: call.inputName(1))]
            }
        }
        table[":GatherND"] = { context in
            let batchDims = try context.int("batch_dims", default: 0)
            return { call in
                [try gatherND(call.input(0), indices: call.input(1), batchDims: batchDims, name: call.inputName(1))]
            }
        }
        table[":ScatterElements"] = { context in
            let axis = try context.int("axis", default: 0)
            let reduction = try ScatterReduction(context.string("reduction", default: "none"))
            return { call in
                [
                    try scatterElements(
                        call.input(0), indices: call.input(1), updates: call.input(2), axis: axis,
                        reduction: reduction, name: call.inputName(1))
                ]
            }
        }
        table[":Scatter"] = { context in
            let axis = try context.int("axis", default: 0)
            return { call in
                [
                    try scatterElements(
                        call.input(0), indices: call.input(1), updates: call.input(2), axis: axis, reduction: .none,
                        name: call.inputName(1))
                ]
            }
        }
        table[":ScatterND"] = { context in
            let reduction = try ScatterReduction(context.string("reduction", default: "none"))
            return { call in
                [
                    try scatterND(
                        call.input(0), indices: call.input(1), updates: call.input(2), reduction: reduction,
                        name: call.inputName(1))
                ]
            }
        }
        table[":OneHot"] = { context in
            let axis = try context.int("axis", default: -1)
            return { call in [try oneHot(call.input(0), depth: call.input(1), values: call.input(2), axis: axis)] }
        }
        table[":Trilu"] = { context in
            let upper = try context.int("upper", default: 1) != 0
            return { call in
                let k =
                    try call.optionalInput(1).map { try IntegerReading.scalar(of: $0, name: call.inputName(1)) } ?? 0
                return [try trilu(call.input(0), k: k, upper: upper)]
            }
        }
    }

    /// Index values checked to lie in `[-size, size)` and made non-negative.
    static func checkedIndices(_ indices: NDArray, size: Int, name: String) throws -> [Int] {
        guard indices.dataType == .int64 || indices.dataType == .int32 else {
            throw KernelError.invalid("\(name) must be int64 or int32, not \(indices.dataType)")
        }
        var values = try IntegerReading.values(of: indices, name: name)
        for index in values.indices {
            let value = values[index]
            guard value >= -size, value < size else {
                throw KernelError.invalid("index \(value) in \(name) is out of range [\(-size), \(size))")
            }
            if value < 0 { values[index] = value + size }
        }
        return values
    }

    /// Gather along `axis`.
    static func gather(_ data: NDArray, indices: NDArray, axis requested: Int, name: String) throws -> NDArray {
        let axis = try Shapes.normalizeAxis(requested, rank: data.rank)
        let size = data.shape[axis]
        let positions = try checkedIndices(indices, size: size, name: name)
        let shape = Array(data.shape[..<axis]) + indices.shape + Array(data.shape[(axis + 1)...])
        let output = try NDArray.uninitialized(data.dataType, shape: shape)
        let elementSize = try TypeDispatch.elementSize(data.dataType)
        let outer = Shapes.product(data.shape, 0..<axis)
        let inner = Shapes.product(data.shape, (axis + 1)..<data.rank) * elementSize
        let source = data.rawPointer
        let target = output.rawPointer
        let count = positions.count
        positions.withUnsafeBufferPointer { positions in
            Parallel.forChunks(outer * count, cost: inner / 4 + 1) { range in
                for item in range {
                    let (row, slot) = item.quotientAndRemainder(dividingBy: count)
                    (target + item * inner).copyMemory(
                        from: source + (row * size + positions[slot]) * inner, byteCount: inner)
                }
            }
        }
        return output
    }

    /// GatherElements along `axis`.
    static func gatherElements(_ data: NDArray, indices: NDArray, axis requested: Int, name: String) throws -> NDArray {
        guard indices.rank == data.rank else {
            throw KernelError.invalid("\(name) has rank \(indices.rank), data has rank \(data.rank)")
        }
        let axis = try Shapes.normalizeAxis(requested, rank: data.rank)
        let positions = try checkedIndices(indices, size: data.shape[axis], name: name)
        let output = try NDArray.uninitialized(data.dataType, shape: indices.shape)
        let elementSize = try TypeDispatch.elementSize(data.dataType)
        let dataStrides = Shapes.strides(of: data.shape)
        let rank = data.rank
        var counter = [Int](repeating: 0, count: rank)
        for flat in 0..<indices.count {
            var offset = 0
            for axisIndex in 0..<rank {
                let coordinate = axisIndex == axis ? positions[flat] : counter[axisIndex]
                guard coordinate < data.shape[axisIndex] else {
                    throw KernelError.invalid("\(name) shape \(indices.shape) exceeds data shape \(data.shape)")
                }
                offset += coordinate * dataStrides[axisIndex]
            }
            (output.rawPointer + flat * elementSize).copyMemory(
                from: data.rawPointer + offset * elementSize, byteCount: elementSize)
            RowMajorIndex.advance(&counter, shape: indices.shape)
        }
        return output
    }

    /// GatherND with `batchDims` leading batch axes.
    static func gatherND(_ data: NDArray, indices: NDArray, batchDims: Int, name: String) throws -> NDArray {
        guard indices.rank >= 1, let depth = indices.shape.last, batchDims >= 0,
            batchDims < min(data.rank, indices.rank),
            depth <= data.rank - batchDims, data.shape[..<batchDims] == indices.shape[..<batchDims]
        else {
            throw KernelError.invalid(
                "\(name) shape \(indices.shape) does not fit data \(data.shape) with batch_dims \(batchDims)")
        }
        let raw = try IntegerReading.values(of: indices, name: name)
        let elementSize = try TypeDispatch.elementSize(data.dataType)
        let sliceShape = Array(data.shape[(batchDims + depth)...])
        let shape = Array(indices.shape.dropLast()) + sliceShape
        let output = try NDArray.uninitialized(data.dataType, shape: shape)
        let sliceBytes = Shapes.product(sliceShape) * elementSize
        let strides = Shapes.strides(of: data.shape)
        let batches = Shapes.product(data.shape, 0..<batchDims)
        let tuples = raw.count / max(depth, 1) / max(batches, 1)
        let batchStride = batchDims > 0 ? strides[batchDims - 1] : 0
        for batch in 0..<batches {
            for tuple in 0..<tuples {
                var offset = batch * batchStride
                let base = (batch * tuples + tuple) * depth
                for position in 0..<depth {
                    let axis = batchDims + position
                    var value = raw[base + position]
                    let size = data.shape[axis]
                    guard value >= -size, value < size else {
                        throw KernelError.invalid("index \(value) in \(name) is out of range [\(-size), \(size))")
                    }
                    if value < 0 { value += size }
                    offset += value * strides[axis]
                }
                (output.rawPointer + (batch * tuples + tuple) * sliceBytes).copyMemory(
                    from: data.rawPointer + offset * elementSize, byteCount: sliceBytes)
            }
        }
        return output
    }

    /// How scatter combines an update with the element already there.
    enum ScatterReduction {
        case none, add, multiply, maximum, minimum

        init(_ name: String) throws {
            switch name {
            case "none": self = .none
            case "add": self = .add
            case "mul": self = .multiply
            case "max": self = .maximum
            case "min": self = .minimum
            default: throw KernelError.invalidAttribute("reduction '\(name)' is not none, add, mul, max or min")
            }
        }
    }

    /// ScatterElements along `axis`.
    static func scatterElements(
        _ data: NDArray, indices: NDArray, updates: NDArray, axis requested: Int, reduction: ScatterReduction,
        name: String
    ) throws -> NDArray {
        guard indices.shape == updates.shape, indices.rank == data.rank, updates.dataType == data.dataType else {
            throw KernelError.invalid(
                "\(name) \(indices.shape), updates \(updates.shape) and data \(data.shape) do not fit")
        }
        let axis = try Shapes.normalizeAxis(requested, rank: data.rank)
        let positions = try checkedIndices(indices, size: data.shape[axis], name: name)
        let strides = Shapes.strides(of: data.shape)
        var targets: [Int] = []
        targets.reserveCapacity(indices.count)
        var counter = [Int](repeating: 0, count: data.rank)
        for flat in 0..<indices.count {
            var offset = 0
            for axisIndex in 0..<data.rank {
                let coordinate = axisIndex == axis ? positions[flat] : counter[axisIndex]
                guard coordinate < data.shape[axisIndex] else {
                    throw KernelError.invalid("\(name) shape \(indices.shape) exceeds data shape \(data.shape)")
                }
                offset += coordinate * strides[axisIndex]
            }
            targets.append(offset)
            RowMajorIndex.advance(&counter, shape: indices.shape)
        }
        return try scatter(data, updates: updates, targets: targets, sliceSize: 1, reduction: reduction)
    }

    /// ScatterND.
    static func scatterND(
        _ data: NDArray, indices: NDArray, updates: NDArray, reduction: ScatterReduction, name: String
    ) throws -> NDArray {
        guard indices.rank >= 1, let depth = indices.shape.last, depth <= data.rank, updates.dataType == data.dataType
        else { throw KernelError.invalid("\(name) shape \(indices.shape) does not fit data \(data.shape)") }
        let expected = Array(indices.shape.dropLast()) + Array(data.shape[depth...])
        guard updates.shape == expected else {
            throw KernelError.invalid("updates shape \(updates.shape) should be \(expected)")
        }
        let raw = try IntegerReading.values(of: indices, name: name)
        let strides = Shapes.strides(of: data.shape)
        let tuples = depth == 0 ? 1 : raw.count / depth
        var targets: [Int] = []
        for tuple in 0..<tuples {
            var offset = 0
            for position in 0..<depth {
                var value = raw[tuple * depth + position]
                let size = data.shape[position]
                guard value >= -size, value < size else {
                    throw KernelError.invalid("index \(value) in \(name) is out of range [\(-size), \(size))")
                }
                if value < 0 { value += size }
                offset += value * strides[position]
            }
            targets.append(offset)
        }
        return try scatter(
            data, updates: updates, targets: targets, sliceSize: Shapes.product(Array(data.shape[depth...])),
            reduction: reduction)
    }

    private static func scatter(
        _ data: NDArray, updates: NDArray, targets: [Int], sliceSize: Int, reduction: ScatterReduction
    ) throws -> NDArray {
        let output = try NDArray.uninitialized(data.dataType, shape: data.shape)
        output.rawPointer.copyMemory(from: data.rawPointer, byteCount: data.byteCount)
        if case .none = reduction {
            let elementSize = try TypeDispatch.elementSize(data.dataType)
            let bytes = sliceSize * elementSize
            for (index, target) in targets.enumerated() {
                (output.rawPointer + target * elementSize).copyMemory(
                    from: updates.rawPointer + index * bytes, byteCount: bytes)
            }
            return output
        }
        try TypeDispatch.numeric(
            data.dataType,
            ScatterVisitor(
                output: output, updates: updates, targets: targets, sliceSize: sliceSize, reduction: reduction))
        return output
    }

    private struct ScatterVisitor: NumericVisitor {
        let output: NDArray
        let updates: NDArray
        let targets: [Int]
        let sliceSize: Int
        let reduction: ScatterReduction
        func visit<T: NumericElement>(_ type: T.Type) throws {
            let target = output.pointer(T.self)
            let source = updates.pointer(T.self)
            for (index, offset) in targets.enumerated() {
                for element in 0..<sliceSize {
                    let current = target[offset + element]
                    let update = source[index * sliceSize + element]
                    switch reduction {
                    case .add: target[offset + element] = T.add(current, update)
                    case .multiply: target[offset + element] = T.multiply(current, update)
                    case .maximum: target[offset + element] = Swift.max(current, update)
                    case .minimum: target[offset + element] = Swift.min(current, update)
                    case .none: target[offset + element] = update
                    }
                }
            }
        }
    }

    /// OneHot: a new axis of size `depth` holding `values[1]` at each index and `values[0]` elsewhere.
    static func oneHot(_ indices: NDArray, depth: NDArray, values: NDArray, axis requested: Int) throws -> NDArray {
        guard values.count == 2 else { throw KernelError.invalid("values must hold [off, on]") }
        let depthValue = try ElementConversion.convert(depth, to: .double).elements(as: Double.self)
        guard depthValue.count == 1, depthValue[0] >= 1, depthValue[0] < 0x1p31 else {
            throw KernelError.invalid("depth must be one positive number")
        }
        let size = Int(depthValue[0])
        let rank = indices.rank + 1
        let axis = requested < 0 ? requested + rank : requested
        guard axis >= 0, axis < rank else { throw KernelError.invalid("axis \(requested) is out of range") }
        let raw = try ElementConversion.convert(indices, to: .double).elements(as: Double.self)
        var shape = indices.shape
        shape.insert(size, at: axis)
        let offValue = try MovementKernels.slice(values, starts: [0], ends: [1], axes: nil, steps: nil)
        let output = try ShapeKernels.filled(offValue, shape: shape)
        let elementSize = try TypeDispatch.elementSize(values.dataType)
        let inner = Shapes.product(indices.shape, axis..<indices.rank)
        for (flat, value) in raw.enumerated() {
            guard !value.isNaN else { throw KernelError.invalid("indices hold NaN") }
            var position = Int(value.rounded(.towardZero).clamped(-Double(size) - 1, Double(size)))
            if position < 0 { position += size }
            guard position >= 0, position < size else { continue }
            let (row, column) = flat.quotientAndRemainder(dividingBy: max(inner, 1))
            let offset = (row * size + position) * inner + column
            (output.rawPointer + offset * elementSize).copyMemory(
                from: values.rawPointer + elementSize, byteCount: elementSize)
        }
        return output
    }

    /// Trilu: keeps the upper (or lower) triangle of the last two axes, shifted by `k` diagonals.
    static func trilu(_ input: NDArray, k: Int, upper: Bool) throws -> NDArray {
        guard input.rank >= 2 else { throw KernelError.invalid("input must have rank 2 or more, not \(input.shape)") }
        let elementSize = try TypeDispatch.elementSize(input.dataType)
        let output = try NDArray(zerosOf: input.dataType, shape: input.shape)
        let rows = input.shape[input.rank - 2]
        let columns = input.shape[input.rank - 1]
        let matrices = input.count / max(rows * columns, 1)
        for matrix in 0..<matrices {
            for row in 0..<rows {
                for column in 0..<columns where upper ? column - row >= k : column - row <= k {
                    let offset = ((matrix * rows + row) * columns + column) * elementSize
                    (output.rawPointer + offset).copyMemory(from: input.rawPointer + offset, byteCount: elementSize)
                }
            }
        }
        return output
    }
}

extension Double {
    /// The value limited to `[low, high]`.
    fileprivate func clamped(_ low: Double, _ high: Double) -> Double { Swift.min(Swift.max(self, low), high) }
}
