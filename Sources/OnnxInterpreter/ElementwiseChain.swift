import OnnxIR

/// Consecutive elementwise nodes run as one pass over memory, for runs without an observer.
///
/// A chain such as tf2onnx's BatchNormalization `Sub → Mul → Add → Relu` or MobileNetV3's
/// HardSwish `Add → Clip → Div → Mul` computes each element through every member in turn,
/// one L1-sized tile at a time, instead of sweeping the whole tensor once per node. Every
/// member computes each element with the same float operation as its own kernel, so the
/// result is the same bits; only the intermediate tensors are never materialized, which is
/// why the planner runs the unfused steps whenever an observer wants to see them.
struct ElementwiseChain {
    /// Where a member reads one operand.
    enum Operand {
        /// The result of member `index` (an earlier one) of the chain.
        case member(Int)
        /// Input `index` of the fused step.
        case external(Int)
    }

    /// What one member computes per element.
    enum Operation {
        /// `operation(left, right)` of Add, Sub, Mul or Div.
        case binary(ArithmeticKernels.Operation, left: Operand, right: Operand)
        /// A float function (Sigmoid, HardSigmoid, Erf, Tanh...) of `source`.
        case function(FloatFunction, source: Operand)
        /// Relu of `source`.
        case relu(source: Operand)
        /// Clip of `source` between the scalar inputs `low` and `high` (the type's range when absent).
        case clip(source: Operand, low: Int?, high: Int?)
        /// Identity, or Cast of a float to float: the value itself.
        case identity(source: Operand)
    }

    /// One node of the chain: what it computes, and its own kernel for inputs the fused loop does not take.
    struct Member {
        /// The member's computation.
        let operation: Operation
        /// The node.
        let node: Node
        /// The node's own kernel.
        let kernel: Kernel
        /// Each node input: where it comes from (nil for an omitted input).
        let inputs: [Operand?]
    }

    /// Elements per tile: every member's tile together stays in L1.
    static let tile = 512

    /// The members in order; the first reads only external operands, the last gives the result.
    let members: [Member]

    /// The fused kernel: one tiled pass when every operand is float32 and broadcasts into the result
    /// without growing it; otherwise the members' own kernels one after another.
    func kernel() -> Kernel {
        let chain = self
        return { call in
            if let result = try chain.runFused(&call) { return [result] }
            return [try chain.runMembers(&call)]
        }
    }

    /// Each member's own kernel in turn (other element types, shapes the fused loop does not take,
    /// and the errors the members would report).
    private func runMembers(_ call: inout KernelCall) throws -> NDArray {
        var lastReader = [Int](repeating: -1, count: members.count)
        for (index, member) in members.enumerated() {
            for case .member(let source)? in member.inputs { lastReader[source] = index }
        }
        var values = [NDArray?](repeating: nil, count: members.count)
        for (index, member) in members.enumerated() {
            let arguments = member.inputs.map { operand -> NDArray? in
                switch operand {
                case nil: return nil
                case .member(let source): return values[source]
                case .external(let input): return call.inputs[input]
                }
            }
            // A value read here for the last time is handed over, so the member may write over it.
            for source in values.indices where lastReader[source] == index { values[source] = nil }
            var memberCall = KernelCall(inputs: arguments, node: member.node, frame: call.frame, observer: nil)
            do {
                values[index] = try member.kernel(&memberCall).first ?? nil
            } catch let error as KernelError {
                throw GraphPlan.describe(error, node: member.node)
            }
        }
        guard let value = values[members.count - 1] else { throw KernelError.invalid("the chain produced no value") }
        return value
    }

    /// How the fused loop reads one operand: contiguous when it has the result's shape, else broadcast
    /// rows of `inner` elements (stride 0 or 1) whose starts follow up to three outer dimensions.
    ///
    /// Plain integers, so the tile loop copies it without reference counting.
    private struct Reader {
        let base: UnsafePointer<Float>
        let contiguous: Bool
        let inner: Int
        let stride: Int
        let dims: (Int, Int, Int)
        let strides: (Int, Int, Int)

        /// Reads `array` as broadcast to `shape`; nil when it is not float32, does not broadcast
        /// into `shape`, or needs more than three outer dimensions.
        init?(_ array: NDArray, shape: [Int]) {
            guard array.dataType == .float else { return nil }
            base = UnsafePointer(array.pointer(Float.self))
            if array.shape == shape {
                (contiguous, inner, stride, dims, strides) = (true, 0, 1, (1, 1, 1), (0, 0, 0))
                return
            }
            guard let indexer = try? BroadcastIndexer([shape, array.shape]), indexer.shape == shape,
                indexer.outerDims.count <= 3
            else { return nil }
            var dims = [1, 1, 1]
            var strides = [0, 0, 0]
            // Innermost outer dimension first.
            for (position, axis) in indexer.outerDims.indices.reversed().enumerated() {
                dims[position] = indexer.outerDims[axis]
                strides[position] = indexer.outerStrides[1][axis]
            }
            contiguous = false
            inner = indexer.inner
            stride = indexer.innerStrides[1]
            self.dims = (dims[0], dims[1], dims[2])
            self.strides = (strides[0], strides[1], strides[2])
        }

        /// Where output row `row` starts in the operand.
        @inline(__always)
        func offset(row: Int) -> Int {
            let (first, rest) = row.quotientAndRemainder(dividingBy: dims.0)
            let (second, middle) = first.quotientAndRemainder(dividingBy: dims.1)
            return rest * strides.0 + middle * strides.1 + (second % dims.2) * strides.2
        }

        /// Calls `body(tileOffset, length, pointer, stride)` for the runs covering `start..<end`.
        @inline(__always)
        func forEachRun(_ start: Int, _ end: Int, _ body: (Int, Int, UnsafePointer<Float>, Int) -> Void) {
            if contiguous {
                body(0, end - start, base + start, 1)
                return
            }
            var position = start
            var row = start / inner
            var column = start % inner
            while position < end {
                let length = min(inner - column, end - position)
                body(position - start, length, base + offset(row: row) + column * stride, stride)
                position += length
                row += 1
                column = 0
            }
        }
    }

    /// The tiled pass; nil when an operand is not float32 or does not broadcast into the result.
    private func runFused(_ call: inout KernelCall) throws -> NDArray? {
        guard let shape = resultShape(call.inputs) else { return nil }
        let readers = call.inputs.map { $0.flatMap { Reader($0, shape: shape) } }
        let bounds = call.inputs.map { array -> Float? in
            guard let array, array.dataType == .float, array.count == 1 else { return nil }
            return array.pointer(Float.self)[0]
        }
        guard readable(readers, bounds) else { return nil }
        let output = try outputArray(&call, shape: shape)
        let target = output.pointer(Float.self)
        let count = output.count
        let tile = Self.tile
        let tiles = (count + tile - 1) / tile
        let operations = members.map(\.operation)
        let last = members.count - 1
        readers.withUnsafeBufferPointer { readers in
            bounds.withUnsafeBufferPointer { bounds in
                operations.withUnsafeBufferPointer { operations in
                    Parallel.forChunks(tiles, cost: tile * operations.count) { range in
                        withUnsafeTemporaryAllocation(of: Float.self, capacity: tile * operations.count) { buffer in
                            guard let scratch = buffer.baseAddress else { return }
                            for tileIndex in range {
                                let start = tileIndex * tile
                                let end = min(count, start + tile)
                                for index in operations.indices {
                                    Self.apply(operations[index], readers, bounds, scratch, index, start, end)
                                }
                                (target + start).update(from: scratch + last * tile, count: end - start)
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// The result's shape: the first member's operands broadcast together (later members may not grow it).
    private func resultShape(_ inputs: [NDArray?]) -> [Int]? {
        guard let first = members.first else { return nil }
        var shapes: [[Int]] = []
        switch first.operation {
        case .binary(_, let left, let right):
            for case .external(let index) in [left, right] {
                guard let array = inputs[index] else { return nil }
                shapes.append(array.shape)
            }
        case .function(_, let source), .relu(let source), .clip(let source, _, _), .identity(let source):
            guard case .external(let index) = source, let array = inputs[index] else { return nil }
            shapes.append(array.shape)
        }
        return try? Shapes.broadcast(shapes)
    }

    /// Whether every operand a member reads has a reader and every Clip bound is one float.
    private func readable(_ readers: [Reader?], _ bounds: [Float?]) -> Bool {
        func has(_ operand: Operand) -> Bool {
            guard case .external(let index) = operand else { return true }
            return readers[index] != nil
        }
        return members.allSatisfy { member in
            switch member.operation {
            case .binary(_, let left, let right): return has(left) && has(right)
            case .function(_, let source), .relu(let source), .identity(let source): return has(source)
            case .clip(let source, let low, let high):
                return has(source) && [low, high].allSatisfy { $0.map { bounds[$0] != nil } ?? true }
            }
        }
    }

    /// A float32 input of the result's shape that dies here and that the step owns alone, or a new array.
    ///
    /// Writing over an input is safe: a tile is written only after every member has read it.
    private func outputArray(_ call: inout KernelCall, shape: [Int]) throws -> NDArray {
        for index in call.inputs.indices {
            guard let array = call.inputs[index], array.dataType == .float, array.shape == shape else { continue }
            if let owned = call.takeUnique(index) { return owned }
        }
        return try NDArray.uninitialized(.float, shape: shape)
    }

    /// Member `index` over the tile `start..<end`: reads earlier members' tiles and external
    /// operands, writes its own tile of `scratch` (one `tile` per member).
    @inline(__always)
    private static func apply(
        _ operation: Operation, _ readers: UnsafeBufferPointer<Reader?>, _ bounds: UnsafeBufferPointer<Float?>,
        _ scratch: UnsafeMutablePointer<Float>,
        _ index: Int, _ start: Int, _ end: Int
    ) {
        let length = end - start
        let result = scratch + index * tile
        /// The operand's tile as one contiguous pointer: an earlier member's, or an external one
        /// copied into `result` when it is broadcast.
        func source(_ operand: Operand) -> UnsafePointer<Float> {
            switch operand {
            case .member(let member): return UnsafePointer(scratch + member * tile)
            case .external(let input):
                guard let reader = readers[input] else { return UnsafePointer(result) }
                if reader.contiguous { return reader.base + start }
                reader.forEachRun(start, end) { offset, run, pointer, stride in
                    if stride == 1 {
                        (result + offset).update(from: pointer, count: run)
                    } else {
                        (result + offset).update(repeating: pointer[0], count: run)
                    }
                }
                return UnsafePointer(result)
            }
        }
        switch operation {
        case .binary(let binary, let left, let right):
            if case .external(let input) = right, let reader = readers[input] {
                let leftValues = source(left)
                reader.forEachRun(start, end) { offset, run, pointer, stride in
                    ArithmeticKernels.runSegment(
                        binary, leftValues + offset, pointer, result + offset, 0..<run, 1, stride)
                }
            } else if case .external(let input) = left, let reader = readers[input] {
                let rightValues = source(right)
                reader.forEachRun(start, end) { offset, run, pointer, stride in
                    ArithmeticKernels.runSegment(
                        binary, pointer, rightValues + offset, result + offset, 0..<run, stride, 1)
                }
            } else {
                ArithmeticKernels.runSegment(binary, source(left), source(right), result, 0..<length, 1, 1)
            }
        case .function(let function, let operand):
            function.apply(source(operand), result, count: length)
        case .relu(let operand):
            ElementwiseLoops.mapRange(source(operand), result, 0..<length) { UnaryKernels.relu($0) }
        case .clip(let operand, let low, let high):
            let lowValue = low.flatMap { bounds[$0] } ?? Float.lowest
            let highValue = high.flatMap { bounds[$0] } ?? Float.highest
            ElementwiseLoops.mapRange(source(operand), result, 0..<length) {
                UnaryKernels.clipped($0, lowValue, highValue)
            }
        case .identity(let operand):
            let values = source(operand)
            if values != UnsafePointer(result) { result.update(from: values, count: length) }
        }
    }
}
