import OnnxIR

/// Operators that pick or reorder elements by a condition or length: NonZero, Compress,
/// ReverseSequence, CenterCropPad, and Dropout in inference mode.
enum SelectionKernels {
    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        table[":NonZero"] = { _ in { call in [try nonZero(call.input(0))] } }
        table[":Compress"] = { context in
            let axis = try context.optionalInt("axis")
            return { call in [try compress(call.input(0), condition: call.input(1), axis: axis)] }
        }
        table[":ReverseSequence"] = { context in
            let batchAxis = try context.int("batch_axis", default: 1)
            let timeAxis = try context.int("time_axis", default: 0)
            return { call in
                guard let lengths = try call.integers(1) else { throw KernelError.invalid("sequence_lens is missing") }
                return [try reverseSequence(call.input(0), lengths: lengths, batchAxis: batchAxis, timeAxis: timeAxis)]
            }
        }
        table[":CenterCropPad"] = { context in
            let axes = try context.ints("axes")
            return { call in
                guard let shape = try call.integers(1) else { throw KernelError.invalid("shape is missing") }
                return [try centerCropPad(call.input(0), shape: shape, axes: axes)]
            }
        }
        table[":Dropout"] = dropout
    }

    private static func dropout(_ context: NodeContext) throws -> Kernel {
        let version = context.opsetVersion
        if version < 7, try context.int("is_test", default: 0) == 0 {
            throw KernelError.unsupported("training-mode Dropout (is_test=0)")
        }
        return { call in
            let data = try call.input(0)
            if version >= 12, let training = call.optionalInput(2), training.count == 1,
                training.pointer(UInt8.self)[0] != 0
            {
                let ratio = try call.optionalInput(1).map { try $0.floatValues().first ?? 0.5 } ?? 0.5
                if ratio != 0 { throw KernelError.unsupported("training-mode Dropout is random") }
            }
            let maskType: DataType = version >= 10 ? .bool : data.dataType
            let mask =
                try maskType == .bool
                ? ShapeKernels.filled(NDArray([UInt8(1)], dataType: .bool, shape: []), shape: data.shape)
                : ShapeKernels.filled(NDArray.scalar(1, as: maskType), shape: data.shape)
            return [data, mask]
        }
    }

    /// NonZero: the coordinates of every non-zero element, one row per axis.
    static func nonZero(_ x: NDArray) throws -> NDArray {
        let flags = try ElementConversion.convert(x, to: .bool)
        let pointer = flags.pointer(UInt8.self)
        let positions = (0..<x.count).filter { pointer[$0] != 0 }
        let rank = x.rank
        var coordinates = [Int64](repeating: 0, count: rank * positions.count)
        let strides = Shapes.strides(of: x.shape)
        for (column, flat) in positions.enumerated() {
            var remainder = flat
            for axis in 0..<rank {
                coordinates[axis * positions.count + column] = Int64(remainder / strides[axis])
                remainder %= strides[axis]
            }
        }
        return try NDArray(int64s: coordinates, shape: [rank, positions.count])
    }

    /// Compress: the slices along `axis` (or elements of the flattened input) whose condition is true.
    static func compress(_ x: NDArray, condition: NDArray, axis requested: Int?) throws -> NDArray {
        guard condition.dataType == .bool, condition.rank == 1 else {
            throw KernelError.invalid("condition must be a 1-D bool tensor, not \(condition)")
        }
        let flags = condition.pointer(UInt8.self)
        let input = requested == nil ? x.reshaped([x.count]) : x
        let axis = try requested.map { try Shapes.normalizeAxis($0, rank: x.rank) } ?? 0
        let length = input.shape[axis]
        guard condition.count <= length else {
            throw KernelError.invalid("condition has \(condition.count) entries for an axis of size \(length)")
        }
        let chosen = (0..<condition.count).filter { flags[$0] != 0 }
        return try IndexKernels.gather(
            input, indices: NDArray(int64s: chosen.map { Int64($0) }, shape: [chosen.count]), axis: axis,
            name: "condition")
    }

    /// ReverseSequence: reverses the first `lengths[b]` steps along the time axis of each batch item.
    static func reverseSequence(_ x: NDArray, lengths: [Int], batchAxis: Int, timeAxis: Int) throws -> NDArray {
        guard x.rank >= 2, Set([batchAxis, timeAxis]) == Set([0, 1]) else {
            throw KernelError.invalid("batch_axis and time_axis must be 0 and 1 of a tensor of rank 2 or more")
        }
        let batch = x.shape[batchAxis]
        let time = x.shape[timeAxis]
        guard lengths.count == batch, lengths.allSatisfy({ $0 >= 0 && $0 <= time }) else {
            throw KernelError.invalid("sequence_lens \(lengths) does not fit batch \(batch) and time \(time)")
        }
        let elementSize = try TypeDispatch.elementSize(x.dataType)
        let inner = Shapes.product(x.shape, 2..<x.rank) * elementSize
        let output = try NDArray.uninitialized(x.dataType, shape: x.shape)
        let strides = Shapes.strides(of: Array(x.shape[0..<2]))
        for item in 0..<batch {
            for step in 0..<time {
                let source = step < lengths[item] ? lengths[item] - 1 - step : step
                var to = [0, 0]
                var from = [0, 0]
                to[batchAxis] = item
                to[timeAxis] = step
                from[batchAxis] = item
                from[timeAxis] = source
                let target = (to[0] * strides[0] + to[1] * strides[1]) * inner
                let origin = (from[0] * strides[0] + from[1] * strides[1]) * inner
                (output.rawPointer + target).copyMemory(from: x.rawPointer + origin, byteCount: inner)
            }
        }
        return output
    }

    /// CenterCropPad: crops or zero-pads each axis symmetrically to the requested size.
    static func centerCropPad(_ x: NDArray, shape: [Int], axes requested: [Int]?) throws -> NDArray {
        let axes = try Shapes.normalizeAxes(requested ?? Array(0..<x.rank), rank: x.rank)
        guard shape.count == axes.count, shape.allSatisfy({ $0 >= 0 }) else {
            throw KernelError.invalid("shape \(shape) does not fit axes \(axes)")
        }
        var begins = [Int](repeating: 0, count: x.rank)
        var ends = [Int](repeating: 0, count: x.rank)
        for (index, axis) in axes.enumerated() {
            let difference = shape[index] - x.shape[axis]
            if difference >= 0 {
                begins[axis] = difference / 2
                ends[axis] = difference - difference / 2
            } else {
                let crop = -difference
                begins[axis] = -(crop / 2)
                ends[axis] = -(crop - crop / 2)
            }
        }
        return try MovementKernels.pad(x, pads: begins + ends, axes: nil, mode: "constant", value: nil)
    }
}
