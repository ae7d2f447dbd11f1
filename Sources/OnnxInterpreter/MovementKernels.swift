import Foundation
import OnnxIR

/// Operators that move elements without arithmetic: Transpose, Concat, Split, Slice, Pad,
/// DepthToSpace and SpaceToDepth.
enum MovementKernels {
    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        table[":Transpose"] = { context in
            let perm = try context.ints("perm")
            return { call in [try transpose(call.input(0), perm: perm)] }
        }
        table[":Concat"] = { context in
            guard let axis = try context.optionalInt("axis") else {
                throw KernelError.invalidAttribute("axis is missing")
            }
            return { call in [try concat(call.inputs.compactMap { $0 }, axis: axis)] }
        }
        table[":Split"] = split
        table[":Slice"] = slice
        table[":Pad"] = pad
        table[":DepthToSpace"] = { context in
            let blockSize = try context.int("blocksize", default: 0)
            let mode = try context.string("mode", default: "DCR")
            guard mode == "DCR" || mode == "CRD" else { throw KernelError.invalidAttribute("mode must be DCR or CRD") }
            return { call in [try depthToSpace(call.input(0), blockSize: blockSize, columnRowDepth: mode == "CRD")] }
        }
        table[":SpaceToDepth"] = { context in
            let blockSize = try context.int("blocksize", default: 0)
            let mode = try context.string("mode", default: "DCR")
            guard mode == "DCR" || mode == "CRD" else { throw KernelError.invalidAttribute("mode must be DCR or CRD") }
            return { call in [try spaceToDepth(call.input(0), blockSize: blockSize, columnRowDepth: mode == "CRD")] }
        }
    }

    /// The elements of `input` with axes permuted (`perm` nil reverses them).
    static func transpose(_ input: NDArray, perm requested: [Int]?) throws -> NDArray {
        let rank = input.rank
        let perm = requested ?? Array((0..<rank).reversed())
        guard perm.count == rank, Set(perm) == Set(0..<rank) else {
            throw KernelError.invalid("perm \(perm) is not a permutation of the \(rank) axes")
        }
        if perm == Array(0..<rank) { return input }
        let shape = perm.map { input.shape[$0] }
        let own = Shapes.strides(of: input.shape)
        return try view(input, offset: 0, strides: perm.map { own[$0] }, shape: shape)
    }

    /// A contiguous copy of the strided view of `input`.
    static func view(_ input: NDArray, offset: Int, strides: [Int], shape: [Int]) throws -> NDArray {
        let output = try NDArray.uninitialized(input.dataType, shape: shape)
        let elementSize = try TypeDispatch.elementSize(input.dataType)
        StridedCopy.copy(
            from: input.rawPointer, offset: offset, strides: strides, shape: shape, to: output.rawPointer,
            elementSize: elementSize)
        return output
    }

    /// Concat: the inputs joined along `axis`.
    static func concat(_ inputs: [NDArray], axis requested: Int) throws -> NDArray {
        guard let first = inputs.first else { throw KernelError.invalid("needs at least one input") }
        let rank = first.rank
        let axis = try Shapes.normalizeAxis(requested, rank: rank)
        var total = 0
        for input in inputs {
            guard input.dataType == first.dataType else {
                throw KernelError.invalid("inputs mix element types \(first.dataType) and \(input.dataType)")
            }
            guard input.rank == rank,
                (0..<rank).allSatisfy({ $0 == axis || input.shape[$0] == first.shape[$0] })
            else {
                throw KernelError.invalid("cannot concatenate \(first.shape) and \(input.shape) along axis \(axis)")
            }
            total += input.shape[axis]
        }
        var shape = first.shape
        shape[axis] = total
        let output = try NDArray.uninitialized(first.dataType, shape: shape)
        let elementSize = try TypeDispatch.elementSize(first.dataType)
        let outer = Shapes.product(shape, 0..<axis)
        let inner = Shapes.product(shape, (axis + 1)..<rank) * elementSize
        let rowBytes = total * inner
        var columnOffset = 0
        for input in inputs {
            let chunk = input.shape[axis] * inner
            if chunk > 0 {
                let source = input.rawPointer
                let target = output.rawPointer + columnOffset
                Parallel.forChunks(outer, cost: chunk / 4 + 1) { range in
                    for row in range {
                        (target + row * rowBytes).copyMemory(from: source + row * chunk, byteCount: chunk)
                    }
                }
            }
            columnOffset += chunk
        }
        return output
    }

    /// `a + b`, or nil when the sum overflows.
    private static func adding(_ a: Int, _ b: Int) -> Int? {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : sum
    }

    private static func split(_ context: NodeContext) throws -> Kernel {
        let axis = try context.int("axis", default: 0)
        let attributeSplit = context.opsetVersion < 13 ? try context.ints("split") : nil
        let numOutputs = context.opsetVersion >= 18 ? try context.optionalInt("num_outputs") : nil
        let outputCount = context.outputCount
        return { call in
            let input = try call.input(0)
            let normalized = try Shapes.normalizeAxis(axis, rank: input.rank)
            let size = input.shape[normalized]
            var sizes = context.opsetVersion < 13 ? attributeSplit : try call.integers(1)
            if sizes == nil, let numOutputs {
                // Bounded by the node's outputs before anything is sized from it.
                guard numOutputs > 0, numOutputs <= outputCount else {
                    throw KernelError.invalidAttribute(
                        "num_outputs \(numOutputs) is not in 1...\(outputCount) (the node's outputs)")
                }
                let chunk = (size + numOutputs - 1) / numOutputs
                sizes = (0..<numOutputs).map { max(0, min(chunk, size - $0 * chunk)) }
            }
            if sizes == nil {
                guard outputCount > 0, size % outputCount == 0 else {
                    throw KernelError.invalid("axis size \(size) does not split evenly into \(outputCount) outputs")
                }
                sizes = [Int](repeating: size / outputCount, count: outputCount)
            }
            // Sizes come from the model: a sum past Int.max must be an error, not a trap.
            guard let parts = sizes, parts.count == outputCount, parts.allSatisfy({ $0 >= 0 }),
                parts.reduce(0 as Int?, { total, part in total.flatMap { Self.adding($0, part) } }) == size
            else {
                throw KernelError.invalid(
                    "split sizes \(sizes ?? []) do not cover axis size \(size) with \(outputCount) outputs")
            }
            let strides = Shapes.strides(of: input.shape)
            var outputs: [NDArray?] = []
            var start = 0
            for part in parts {
                var shape = input.shape
                shape[normalized] = part
                outputs.append(try view(input, offset: start * strides[normalized], strides: strides, shape: shape))
                start += part
            }
            return outputs
        }
    }

    private static func slice(_ context: NodeContext) throws -> Kernel {
        if context.opsetVersion < 10 {
            guard let starts = try context.ints("starts"), let ends = try context.ints("ends") else {
                throw KernelError.invalidAttribute("starts and ends are required")
            }
            let axes = try context.ints("axes")
            return { call in [try slice(call.input(0), starts: starts, ends: ends, axes: axes, steps: nil)] }
        }
        return { call in
            guard let starts = try call.integers(1), let ends = try call.integers(2) else {
                throw KernelError.invalid("starts and ends are required")
            }
            return [
                try slice(
                    call.input(0), starts: starts, ends: ends, axes: call.integers(3), steps: call.integers(4))
            ]
        }
    }

    /// Slice with ONNX's clamping rules.
    static func slice(_ input: NDArray, starts: [Int], ends: [Int], axes requested: [Int]?, steps: [Int]?) throws
        -> NDArray
    {
        let axes = try Shapes.normalizeAxes(requested ?? Array(0..<starts.count), rank: input.rank)
        let steps = steps ?? [Int](repeating: 1, count: starts.count)
        guard starts.count == ends.count, axes.count == starts.count, steps.count == starts.count else {
            throw KernelError.invalid("starts, ends, axes and steps must have the same length")
        }
        let own = Shapes.strides(of: input.shape)
        var shape = input.shape
        var strides = own
        var offset = 0
        for (index, axis) in axes.enumerated() {
            let dim = input.shape[axis]
            let step = steps[index]
            guard step != 0, step != Int.min else { throw KernelError.invalid("step for axis \(axis) is zero") }
            var start = starts[index]
            var end = ends[index]
            if start < 0 { start = start &+ dim }
            if end < 0 { end = end &+ dim }
            let count: Int
            if step > 0 {
                start = min(max(start, 0), dim)
                end = min(max(end, 0), dim)
                count = end > start ? (end - start - 1) / step + 1 : 0
            } else {
                start = min(max(start, 0), dim - 1)
                end = min(max(end, -1), dim - 1)
                count = start > end ? (start - end - 1) / (-step) + 1 : 0
            }
            shape[axis] = count
            strides[axis] = own[axis] * step
            if count > 0 { offset += start * own[axis] }
        }
        if shape.contains(0) { return try NDArray.uninitialized(input.dataType, shape: shape) }
        return try view(input, offset: offset, strides: strides, shape: shape)
    }

    private static func pad(_ context: NodeContext) throws -> Kernel {
        let mode = try context.string("mode", default: "constant")
        guard ["constant", "reflect", "edge", "wrap"].contains(mode) else {
            throw KernelError.invalidAttribute("mode '\(mode)' is not one of constant, reflect, edge, wrap")
        }
        if context.opsetVersion < 11 {
            guard let pads = try context.ints("pads") ?? context.ints("paddings") else {
                throw KernelError.invalidAttribute("pads is missing")
            }
            let value = try context.float("value", default: 0)
            return { call in
                [try pad(call.input(0), pads: pads, axes: nil, mode: mode, value: NDArray(floats: [value], shape: []))]
            }
        }
        return { call in
            guard let pads = try call.integers(1) else { throw KernelError.invalid("pads is missing") }
            let value = call.optionalInput(2)
            if let value, value.count != 1 { throw KernelError.invalid("constant_value must be a scalar") }
            return [try pad(call.input(0), pads: pads, axes: call.integers(3), mode: mode, value: value)]
        }
    }

    /// Pad: `pads` holds all begins then all ends (for `axes`, or every axis); negative pads crop.
    static func pad(_ input: NDArray, pads: [Int], axes requested: [Int]?, mode: String, value: NDArray?) throws
        -> NDArray
    {
        let rank = input.rank
        let axes = try Shapes.normalizeAxes(requested ?? Array(0..<rank), rank: rank)
        guard pads.count == 2 * axes.count else {
            throw KernelError.invalid("pads has \(pads.count) values, \(2 * axes.count) are needed")
        }
        var begins = [Int](repeating: 0, count: rank)
        var ends = [Int](repeating: 0, count: rank)
        for (index, axis) in axes.enumerated() {
            begins[axis] = pads[index]
            ends[axis] = pads[index + axes.count]
        }
        let shape = try (0..<rank).map { axis -> Int in
            let (partial, overflowBegin) = input.shape[axis].addingReportingOverflow(begins[axis])
            let (size, overflowEnd) = partial.addingReportingOverflow(ends[axis])
            guard !overflowBegin, !overflowEnd, size >= 0 else {
                throw KernelError.invalid("pads \(pads) give axis \(axis) an impossible size")
            }
            return size
        }
        _ = try NDArray.byteCount(of: input.dataType, count: NDArray.elementCount(of: shape))
        let maps = try (0..<rank).map { axis in
            try indexMap(size: shape[axis], dim: input.shape[axis], begin: begins[axis], mode: mode)
        }
        let output = try NDArray.uninitialized(input.dataType, shape: shape)
        let elementSize = try TypeDispatch.elementSize(input.dataType)
        var fill = [UInt8](repeating: 0, count: elementSize)
        if let value {
            let converted = try ElementConversion.convert(value, to: input.dataType)
            converted.withUnsafeBytes { bytes in for index in 0..<elementSize { fill[index] = bytes[index] } }
        }
        switch elementSize {
        case 1: gather(input, output, maps, fill, UInt8.self)
        case 2: gather(input, output, maps, fill, UInt16.self)
        case 4: gather(input, output, maps, fill, UInt32.self)
        case 8: gather(input, output, maps, fill, UInt64.self)
        default: throw KernelError.unsupportedType("\(input.dataType)")
        }
        return output
    }

    /// For each output position along an axis, the input position it reads (-1 for the constant).
    private static func indexMap(size: Int, dim: Int, begin: Int, mode: String) throws -> [Int] {
        try (0..<size).map { index in
            let position = index - begin
            if position >= 0 && position < dim { return position }
            switch mode {
            case "constant":
                return -1
            case "edge":
                guard dim > 0 else { throw KernelError.invalid("edge padding of an empty axis") }
                return position < 0 ? 0 : dim - 1
            case "wrap":
                guard dim > 0 else { throw KernelError.invalid("wrap padding of an empty axis") }
                return ((position % dim) + dim) % dim
            default:
                guard dim > 0 else { throw KernelError.invalid("reflect padding of an empty axis") }
                if dim == 1 { return 0 }
                let period = 2 * (dim - 1)
                var folded = ((position % period) + period) % period
                if folded >= dim { folded = period - folded }
                return folded
            }
        }
    }

    /// Pad's copy: output element `i` reads the input at `maps[axis][i[axis]]` on every axis, or is
    /// `fill` where any of those is -1.
    ///
    /// Trailing axes that are not padded are copied as whole blocks, and the innermost padded axis
    /// is walked as runs (a fill, or consecutive input positions), so a row costs a few block copies
    /// rather than a table look-up per element (an NHWC image pads H and W, each W position a block of C).
    private static func gather<T>(_ input: NDArray, _ output: NDArray, _ maps: [[Int]], _ fill: [UInt8], _ type: T.Type)
    {
        let fillValue = fill.withUnsafeBytes { $0.loadUnaligned(as: T.self) }
        let source = input.pointer(T.self)
        let target = output.pointer(T.self)
        let rank = output.rank
        if rank == 0 {
            target[0] = source[0]
            return
        }
        guard output.count > 0 else { return }
        let strides = Shapes.strides(of: input.shape)
        var innerAxis = rank - 1
        var block = 1
        while innerAxis > 0, maps[innerAxis].count == input.shape[innerAxis],
            maps[innerAxis].enumerated().allSatisfy({ $0.offset == $0.element })
        {
            block *= input.shape[innerAxis]
            innerAxis -= 1
        }
        let runs = PadRun.runs(of: maps[innerAxis])
        let rowLength = output.shape[innerAxis] * block
        let innerStride = strides[innerAxis]
        let rows = output.count / rowLength
        Parallel.forChunks(rows, cost: rowLength) { range in
            for row in range {
                var remainder = row
                var base = 0
                var valid = true
                var axis = innerAxis - 1
                while axis >= 0 {
                    let position = maps[axis][remainder % output.shape[axis]]
                    remainder /= output.shape[axis]
                    if position < 0 { valid = false }
                    base += position * strides[axis]
                    axis -= 1
                }
                let destination = target + row * rowLength
                if !valid {
                    destination.update(repeating: fillValue, count: rowLength)
                    continue
                }
                for run in runs {
                    let to = destination + run.start * block
                    if run.position < 0 {
                        to.update(repeating: fillValue, count: run.length * block)
                    } else {
                        to.update(from: source + base + run.position * innerStride, count: run.length * block)
                    }
                }
            }
        }
    }

    /// DepthToSpace: moves depth blocks into spatial blocks (DCR, or CRD).
    static func depthToSpace(_ input: NDArray, blockSize: Int, columnRowDepth: Bool) throws -> NDArray {
        guard input.rank == 4, blockSize > 0, input.shape[1] % (blockSize * blockSize) == 0 else {
            throw KernelError.invalid("needs a 4-D input whose channels divide by blocksize², got \(input.shape)")
        }
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let b = blockSize
        let depth = c / (b * b)
        let viewShape = [n, depth, h, b, w, b]
        let strides: [Int]
        if columnRowDepth {
            // Input seen as [n, depth, b, b, h, w].
            strides = [c * h * w, b * b * h * w, w, b * h * w, 1, h * w]
        } else {
            // Input seen as [n, b, b, depth, h, w].
            strides = [c * h * w, h * w, w, b * depth * h * w, 1, depth * h * w]
        }
        let moved = try view(input, offset: 0, strides: strides, shape: viewShape)
        return moved.reshaped([n, depth, h * b, w * b])
    }

    /// SpaceToDepth: moves spatial blocks into depth (DCR, or CRD).
    static func spaceToDepth(_ input: NDArray, blockSize: Int, columnRowDepth: Bool) throws -> NDArray {
        guard input.rank == 4, blockSize > 0, input.shape[2] % blockSize == 0, input.shape[3] % blockSize == 0 else {
            throw KernelError.invalid(
                "needs a 4-D input whose height and width divide by blocksize, got \(input.shape)")
        }
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let b = blockSize
        // Input seen as [n, c, h/b, b, w/b, b]; DCR orders the output [n, b, b, c, h/b, w/b], CRD [n, c, b, b, h/b, w/b].
        let viewShape = columnRowDepth ? [n, c, b, b, h / b, w / b] : [n, b, b, c, h / b, w / b]
        let strides =
            columnRowDepth ? [c * h * w, h * w, w, 1, b * w, b] : [c * h * w, w, 1, h * w, b * w, b]
        let moved = try view(input, offset: 0, strides: strides, shape: viewShape)
        return moved.reshaped([n, c * b * b, h / b, w / b])
    }
}
