import Foundation
import OnnxIR

/// Operators that change or report shapes: Reshape, Flatten, Squeeze, Unsqueeze, Identity,
/// Shape, Size, Expand, Tile, Constant, ConstantOfShape, Range and EyeLike.
enum ShapeKernels {
    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        table[":Identity"] = { _ in { call in [try call.input(0)] } }
        table[":Reshape"] = reshape
        table[":Flatten"] = flatten
        table[":Squeeze"] = squeeze
        table[":Unsqueeze"] = unsqueeze
        table[":Shape"] = shape
        table[":Size"] = { _ in { call in [try NDArray(int64s: [Int64(call.input(0).count)], shape: [])] } }
        table[":Expand"] = { _ in
            { call in
                let input = try call.input(0)
                guard let shape = try call.integers(1) else { throw KernelError.invalid("shape is missing") }
                return [try expand(input, to: Shapes.broadcast(input.shape, shape))]
            }
        }
        table[":Tile"] = { _ in
            { call in
                guard let repeats = try call.integers(1) else { throw KernelError.invalid("repeats is missing") }
                return [try tile(call.input(0), repeats: repeats)]
            }
        }
        table[":Constant"] = constant
        table[":ConstantOfShape"] = constantOfShape
        table[":Range"] = { _ in { call in [try range(call.input(0), call.input(1), call.input(2))] } }
        table[":EyeLike"] = eyeLike
    }

    private static func reshape(_ context: NodeContext) throws -> Kernel {
        let allowZero = context.opsetVersion >= 14 ? try context.int("allowzero", default: 0) != 0 : false
        if context.opsetVersion < 5 {
            guard let shape = try context.ints("shape") else { throw KernelError.invalidAttribute("shape is missing") }
            return { call in [try reshape(call.input(0), to: shape, allowZero: false)] }
        }
        return { call in
            guard let shape = try call.integers(1) else { throw KernelError.invalid("shape is missing") }
            return [try reshape(call.input(0), to: shape, allowZero: allowZero)]
        }
    }

    /// Reshape's rules: 0 copies the input's size (unless `allowZero`), one -1 is inferred.
    static func reshape(_ input: NDArray, to requested: [Int], allowZero: Bool) throws -> NDArray {
        var shape: [Int] = []
        var inferred: Int?
        for (axis, size) in requested.enumerated() {
            switch size {
            case 0 where !allowZero:
                guard axis < input.rank else {
                    throw KernelError.invalid(
                        "shape \(requested) copies axis \(axis) of an input of rank \(input.rank)")
                }
                shape.append(input.shape[axis])
            case -1:
                guard inferred == nil else { throw KernelError.invalid("shape \(requested) has more than one -1") }
                inferred = axis
                shape.append(1)
            case let value where value < 0:
                throw KernelError.invalid("shape \(requested) has invalid size \(value)")
            default:
                shape.append(size)
            }
        }
        let known = try NDArray.elementCount(of: shape)
        if let inferred {
            guard known != 0, input.count % known == 0 else {
                throw KernelError.invalid("cannot reshape \(input.shape) (\(input.count) elements) to \(requested)")
            }
            shape[inferred] = input.count / known
        }
        guard Shapes.product(shape) == input.count else {
            throw KernelError.invalid("cannot reshape \(input.shape) (\(input.count) elements) to \(requested)")
        }
        return input.reshaped(shape)
    }

    private static func flatten(_ context: NodeContext) throws -> Kernel {
        let axis = try context.int("axis", default: 1)
        return { call in
            let input = try call.input(0)
            let normalized = axis < 0 ? axis + input.rank : axis
            guard normalized >= 0, normalized <= input.rank else {
                throw KernelError.invalid("axis \(axis) is out of range for rank \(input.rank)")
            }
            let outer = Shapes.product(input.shape, 0..<normalized)
            let inner = Shapes.product(input.shape, normalized..<input.rank)
            return [input.reshaped([outer, inner])]
        }
    }

    private static func squeeze(_ context: NodeContext) throws -> Kernel {
        let attributeAxes = context.opsetVersion < 13 ? try context.ints("axes") : nil
        return { call in
            let input = try call.input(0)
            let requested = context.opsetVersion < 13 ? attributeAxes : try call.integers(1)
            guard let requested else { return [input.reshaped(input.shape.filter { $0 != 1 })] }
            let axes = try Shapes.normalizeAxes(requested, rank: input.rank)
            for axis in axes where input.shape[axis] != 1 {
                throw KernelError.invalid(
                    "cannot squeeze axis \(axis) of size \(input.shape[axis]) (shape \(input.shape))")
            }
            let shape = input.shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
            return [input.reshaped(shape)]
        }
    }

    private static func unsqueeze(_ context: NodeContext) throws -> Kernel {
        let attributeAxes = context.opsetVersion < 13 ? try context.ints("axes") : nil
        return { call in
            let input = try call.input(0)
            guard let requested = context.opsetVersion < 13 ? attributeAxes : try call.integers(1) else {
                throw KernelError.invalid("axes are missing")
            }
            let rank = input.rank + requested.count
            let axes = try Shapes.normalizeAxes(requested, rank: rank)
            var shape: [Int] = []
            var next = 0
            for axis in 0..<rank {
                if axes.contains(axis) {
                    shape.append(1)
                } else {
                    shape.append(input.shape[next])
                    next += 1
                }
            }
            return [input.reshaped(shape)]
        }
    }

    private static func shape(_ context: NodeContext) throws -> Kernel {
        let start = try context.int("start", default: 0)
        let end = try context.optionalInt("end")
        return { call in
            let input = try call.input(0)
            let rank = input.rank
            func clamp(_ value: Int) -> Int { min(max(value < 0 ? value + rank : value, 0), rank) }
            let from = clamp(start)
            let to = clamp(end ?? rank)
            let dims = from < to ? input.shape[from..<to].map { Int64($0) } : []
            return [try NDArray(int64s: dims, shape: [dims.count])]
        }
    }

    /// `input` broadcast to `shape` (which must be a broadcast of the input's shape).
    static func expand(_ input: NDArray, to shape: [Int]) throws -> NDArray {
        if shape == input.shape { return input }
        let elementSize = try TypeDispatch.elementSize(input.dataType)
        let output = try NDArray.uninitialized(input.dataType, shape: shape)
        let own = Shapes.strides(of: input.shape)
        let offset = shape.count - input.rank
        let strides = (0..<shape.count).map { axis in
            axis < offset || input.shape[axis - offset] == 1 ? 0 : own[axis - offset]
        }
        StridedCopy.copy(
            from: input.rawPointer, offset: 0, strides: strides, shape: shape, to: output.rawPointer,
            elementSize: elementSize)
        return output
    }

    /// Tile: `input` repeated `repeats[axis]` times along each axis.
    static func tile(_ input: NDArray, repeats: [Int]) throws -> NDArray {
        guard repeats.count == input.rank else {
            throw KernelError.invalid("repeats has \(repeats.count) values for an input of rank \(input.rank)")
        }
        guard repeats.allSatisfy({ $0 >= 0 }) else {
            throw KernelError.invalid("repeats \(repeats) has a negative value")
        }
        let elementSize = try TypeDispatch.elementSize(input.dataType)
        let shape = try zip(input.shape, repeats).map { size, count -> Int in
            let (product, overflow) = size.multipliedReportingOverflow(by: count)
            guard !overflow else { throw KernelError.invalid("repeats \(repeats) make the output too large") }
            return product
        }
        let output = try NDArray.uninitialized(input.dataType, shape: shape)
        let own = Shapes.strides(of: input.shape)
        var viewShape: [Int] = []
        var viewStrides: [Int] = []
        for axis in 0..<input.rank {
            viewShape += [repeats[axis], input.shape[axis]]
            viewStrides += [0, own[axis]]
        }
        StridedCopy.copy(
            from: input.rawPointer, offset: 0, strides: viewStrides, shape: viewShape, to: output.rawPointer,
            elementSize: elementSize)
        return output
    }

    private static func constant(_ context: NodeContext) throws -> Kernel {
        let value: NDArray
        if let tensor = try context.tensor("value") {
            value = try NDArray(tensor: tensor)
        } else if let float = try context.optionalFloat("value_float") {
            value = try NDArray(floats: [float], shape: [])
        } else if let floats = try context.floats("value_floats") {
            value = try NDArray(floats: floats, shape: [floats.count])
        } else if let int = try context.optionalInt("value_int") {
            value = try NDArray(int64s: [Int64(int)], shape: [])
        } else if let ints = try context.ints("value_ints") {
            value = try NDArray(int64s: ints.map { Int64($0) }, shape: [ints.count])
        } else if context.has("sparse_value") {
            throw KernelError.unsupported("sparse_value")
        } else if context.has("value_string") || context.has("value_strings") {
            throw KernelError.unsupported("string constants")
        } else {
            throw KernelError.invalidAttribute("Constant has no value attribute")
        }
        return { _ in [value] }
    }

    private static func constantOfShape(_ context: NodeContext) throws -> Kernel {
        let fill = try context.tensor("value").map { try NDArray(tensor: $0) } ?? NDArray(floats: [0], shape: [1])
        guard fill.count == 1 else { throw KernelError.invalidAttribute("value must hold one element") }
        return { call in
            guard let shape = try call.integers(0) else { throw KernelError.invalid("shape is missing") }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw KernelError.invalid("shape \(shape) has a negative size") }
            return [try filled(fill, shape: shape)]
        }
    }

    /// An array of `shape` with every element equal to the one element of `value`.
    static func filled(_ value: NDArray, shape: [Int]) throws -> NDArray {
        let elementSize = try TypeDispatch.elementSize(value.dataType)
        let output = try NDArray.uninitialized(value.dataType, shape: shape)
        StridedCopy.copy(
            from: value.rawPointer, offset: 0, strides: shape.map { _ in 0 }, shape: shape, to: output.rawPointer,
            elementSize: elementSize)
        return output
    }

    /// Range: `start, start + delta, ...` below `limit` (above, for a negative delta).
    static func range(_ start: NDArray, _ limit: NDArray, _ delta: NDArray) throws -> NDArray {
        guard start.count == 1, limit.count == 1, delta.count == 1 else {
            throw KernelError.invalid("start, limit and delta must be scalars")
        }
        guard start.dataType == limit.dataType, start.dataType == delta.dataType else {
            throw KernelError.invalid("start, limit and delta must have one element type")
        }
        if start.dataType == .bfloat16 {
            let widened = try [start, limit, delta].map { try ElementConversion.convert($0, to: .float) }
            return try ElementConversion.convert(range(widened[0], widened[1], widened[2]), to: .bfloat16)
        }
        return try TypeDispatch.numeric(start.dataType, RangeVisitor(start: start, limit: limit, delta: delta))
    }

    private struct RangeVisitor: NumericVisitor {
        let start: NDArray
        let limit: NDArray
        let delta: NDArray
        func visit<T: NumericElement>(_ type: T.Type) throws -> NDArray {
            let first = start.pointer(T.self)[0]
            let step = delta.pointer(T.self)[0]
            let end = limit.pointer(T.self)[0]
            guard !step.isZeroValue else { throw KernelError.invalid("delta is zero") }
            let span = (end.doubleValue - first.doubleValue) / step.doubleValue
            guard !span.isNaN, span < 0x1p53 else { throw KernelError.invalid("the range has no finite length") }
            let count = span > 0 ? Int(Foundation.ceil(span)) : 0
            let output = try NDArray.uninitialized(T.dataType, shape: [count])
            let pointer = output.pointer(T.self)
            var value = first
            for index in 0..<count {
                pointer[index] = value
                value = T.add(value, step)
            }
            return output
        }
    }

    private static func eyeLike(_ context: NodeContext) throws -> Kernel {
        let k = try context.int("k", default: 0)
        let dtype = try context.optionalInt("dtype")
        return { call in
            let input = try call.input(0)
            guard input.rank == 2 else { throw KernelError.invalid("input must be 2-D, not \(input.shape)") }
            let type = dtype.map { DataType(rawValue: Int32($0)) } ?? input.dataType
            let output = try NDArray(zerosOf: type, shape: input.shape)
            let one = try type == .bool ? NDArray([UInt8(1)], dataType: .bool, shape: []) : NDArray.scalar(1, as: type)
            let size = try TypeDispatch.elementSize(type)
            let (rows, columns) = (input.shape[0], input.shape[1])
            for row in 0..<rows where k.magnitude <= UInt(rows + columns) && row + k >= 0 && row + k < columns {
                (output.rawPointer + (row * columns + row + k) * size).copyMemory(from: one.rawPointer, byteCount: size)
            }
            return [output]
        }
    }
}
