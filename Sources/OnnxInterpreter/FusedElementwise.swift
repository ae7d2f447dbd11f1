import CVectorMath
import OnnxIR

/// A group of float elementwise nodes run as one loop: each chunk of the output goes through every
/// operation while it is in cache, and the values between the nodes are never stored.
///
/// Bit for bit what the nodes' own kernels give: every operation is the same IEEE operation (or the
/// same `FloatFunction`) on the same operands; only the order in which elements are visited changes.
/// `GraphPlan` runs fused groups only without an observer (calibration sees every tensor), and inputs
/// the loop does not take (another element type, shapes the nodes reject) go to the nodes' own kernels.
struct FusedElementwise {
    /// Where an operation reads a value: an earlier operation's result, or one of the group's inputs.
    enum Operand {
        /// The result of operation `index`.
        case result(Int)
        /// Tensor input `index` (broadcast to the output's shape).
        case input(Int)
    }

    /// A bound of a Clip.
    enum Bound {
        /// No bound on this side.
        case none
        /// An attribute's value (Clip before opset 11).
        case constant(Float)
        /// A one-element input, bound input `index`.
        case input(Int)
    }

    /// One node's work.
    enum Operation {
        /// Add, Sub, Mul or Div.
        case binary(ArithmeticKernels.Operation, Operand, Operand)
        /// Relu.
        case relu(Operand)
        /// Neg.
        case negate(Operand)
        /// Clip.
        case clip(Operand, low: Bound, high: Bound)
        /// A float function (Sigmoid, Tanh, HardSwish, Erf, ...).
        case function(FloatFunction, Operand)
    }

    /// The op types a group may hold besides `ArithmeticKernels.basicOperations` and `UnaryKernels.floatFunctions`.
    static let otherOperatorTypes: Set<String> = ["Relu", "Neg", "Clip", "Identity", "Cast"]

    /// Output elements each operation handles at a time: the intermediate values of a chunk stay in cache.
    static let chunk = 512

    /// The group's tensor inputs, broadcast together to the output's shape.
    let operands: [Value]
    /// The group's one-element inputs (Clip bounds); the kernel takes them after `operands`.
    let bounds: [Value]
    /// The operations in order; operation `i` writes result `i`, the last one the output.
    let operations: [Operation]
    /// Work per element relative to one add, for splitting over the cores.
    private let cost: Int

    /// Whether `node` may be part of a group (its kernel may still refuse the inputs at run time).
    static func accepts(_ node: Node) -> Bool {
        guard OpsetImport.isDefaultDomain(node.domain), node.subgraphs.isEmpty, node.outputs.count == 1,
            node.outputs[0] != nil, node.inputs.first.flatMap({ $0 }) != nil
        else { return false }
        return otherOperatorTypes.contains(node.opType) || ArithmeticKernels.basicOperations[node.opType] != nil
            || UnaryKernels.floatFunctions[node.opType] != nil
    }

    /// Compiles `nodes` (in schedule order, the last one the group's output); nil when they do not form one loop.
    static func compile(_ nodes: [Node], context: (Node) -> NodeContext) -> FusedElementwise? {
        var operands: [Value] = []
        var bounds: [Value] = []
        var operandIndex: [ObjectIdentifier: Int] = [:]
        var boundIndex: [ObjectIdentifier: Int] = [:]
        var produced: [ObjectIdentifier: Operand] = [:]
        var operations: [Operation] = []
        func operand(_ value: Value) -> Operand {
            if let known = produced[ObjectIdentifier(value)] { return known }
            if let index = operandIndex[ObjectIdentifier(value)] { return .input(index) }
            operandIndex[ObjectIdentifier(value)] = operands.count
            operands.append(value)
            return .input(operands.count - 1)
        }
        func bound(_ index: Int, of node: Node) -> Bound {
            guard index < node.inputs.count, let value = node.inputs[index] else { return .none }
            if let known = boundIndex[ObjectIdentifier(value)] { return .input(known) }
            boundIndex[ObjectIdentifier(value)] = bounds.count
            bounds.append(value)
            return .input(bounds.count - 1)
        }
        for node in nodes {
            guard accepts(node), let output = node.outputs[0], let x = node.inputs[0] else { return nil }
            let operation: Operation
            switch node.opType {
            case "Identity":
                produced[ObjectIdentifier(output)] = operand(x)
                continue
            case "Cast":
                // Only float to float, which leaves the elements as they are.
                guard (try? context(node).optionalInt("to")) == Int(DataType.float.rawValue) else { return nil }
                produced[ObjectIdentifier(output)] = operand(x)
                continue
            case _ where ArithmeticKernels.basicOperations[node.opType] != nil:
                guard node.inputs.count == 2, let y = node.inputs[1],
                    let kind = ArithmeticKernels.basicOperations[node.opType]
                else { return nil }
                operation = .binary(kind, operand(x), operand(y))
            case "Relu":
                operation = .relu(operand(x))
            case "Neg":
                operation = .negate(operand(x))
            case "Clip":
                let attributes = context(node)
                if attributes.opsetVersion < 11 {
                    guard let low = try? attributes.float("min", default: -Float.greatestFiniteMagnitude),
                        let high = try? attributes.float("max", default: Float.greatestFiniteMagnitude)
                    else { return nil }
                    operation = .clip(operand(x), low: .constant(low), high: .constant(high))
                } else {
                    guard node.inputs.count <= 3 else { return nil }
                    operation = .clip(operand(x), low: bound(1, of: node), high: bound(2, of: node))
                }
            default:
                guard let make = UnaryKernels.floatFunctions[node.opType], let function = try? make(context(node))
                else { return nil }
                operation = .function(function, operand(x))
            }
            produced[ObjectIdentifier(output)] = .result(operations.count)
            operations.append(operation)
        }
        guard operations.count >= 2, let last = nodes.last?.outputs[0],
            case .result(let index)? = produced[ObjectIdentifier(last)], index == operations.count - 1
        else { return nil }
        return FusedElementwise(operands: operands, bounds: bounds, operations: operations)
    }

    private init(operands: [Value], bounds: [Value], operations: [Operation]) {
        self.operands = operands
        self.bounds = bounds
        self.operations = operations
        self.cost = operations.reduce(0) { total, operation in
            if case .function(let function, _) = operation { return total + function.cost }
            return total + 1
        }
    }

    /// The group's kernel: the fused loop where it applies, else `nodes` run one by one with `kernels`.
    /// Its inputs are `operands` then `bounds`.
    func kernel(nodes: [Node], kernels: [Kernel]) -> Kernel {
        { call in
            if let output = run(&call) { return [output] }
            return try call.runSeparately(nodes, kernels, inputs: operands + bounds)
        }
    }

    /// The fused loop; nil (with `call` untouched) when an input is not float, a bound is not one element,
    /// the shapes do not broadcast, or the output is empty.
    private func run(_ call: inout KernelCall) -> NDArray? {
        guard call.inputs.count == operands.count + bounds.count,
            call.inputs.allSatisfy({ $0?.dataType == .float })
        else { return nil }
        var boundValues: [Float] = []
        for index in bounds.indices {
            guard let array = call.inputs[operands.count + index], array.count == 1 else { return nil }
            boundValues.append(array.pointer(Float.self)[0])
        }
        let shapes = operands.indices.map { call.inputs[$0]?.shape ?? [] }
        guard let indexer = try? BroadcastIndexer(shapes), indexer.count > 0 else { return nil }
        var output: NDArray?
        for index in operands.indices where shapes[index] == indexer.shape {
            if let owned = call.takeUnique(index) {
                output = owned
                break
            }
        }
        guard let output = output ?? (try? NDArray.uninitialized(.float, shape: indexer.shape)) else { return nil }
        let arrays = operands.indices.map { call.inputs[$0] ?? output }
        var bases = arrays.map { UnsafePointer($0.pointer(Float.self)) }
        let target = output.pointer(Float.self)
        // Short rows (a [C] vector over the rows of an NHWC image) go several to a chunk: a vector operand is
        // read from a copy repeated once per row of the chunk, the others run on across rows.
        let rowsPerChunk = Self.rowsPerChunk(indexer)
        var repeated: [UnsafeMutableBufferPointer<Float>] = []
        defer { for copy in repeated { copy.deallocate() } }
        if rowsPerChunk > 1, let steps = indexer.rowSteps {
            for index in operands.indices where steps[index] == 0 && indexer.innerStrides[index] == 1 {
                let copy = UnsafeMutableBufferPointer<Float>.allocate(capacity: rowsPerChunk * indexer.inner)
                repeated.append(copy)
                let vector = UnsafeBufferPointer(start: bases[index], count: indexer.inner)
                for row in 0..<rowsPerChunk {
                    _ = UnsafeMutableBufferPointer(rebasing: copy[(row * indexer.inner)...]).initialize(from: vector)
                }
                bases[index] = UnsafePointer(copy.baseAddress ?? UnsafeMutablePointer(mutating: bases[index]))
            }
        }
        let (units, unitCost) = ElementwiseLoops.unitCount(indexer)
        withExtendedLifetime(arrays) {
            Parallel.forChunks(units, cost: unitCost * cost) { range in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: Self.chunk * operations.count) { scratch in
                    guard let registers = scratch.baseAddress else { return }
                    var loop = Loop(
                        program: self, indexer: indexer, bases: bases, bounds: boundValues, target: target,
                        registers: registers)
                    if indexer.rows == 1 {
                        loop.run(row: 0, columns: range)
                    } else if rowsPerChunk > 1 {
                        loop.run(rows: range, perChunk: rowsPerChunk)
                    } else {
                        for row in range { loop.run(row: row, columns: 0..<indexer.inner) }
                    }
                }
            }
        }
        return output
    }

    /// How many output rows one chunk takes: 1, or more for rows shorter than a chunk whose operands are
    /// each whole (advancing a row per row), a vector repeated on every row, or one value.
    private static func rowsPerChunk(_ indexer: BroadcastIndexer) -> Int {
        guard indexer.rows > 1, indexer.inner < chunk / 2, let steps = indexer.rowSteps else { return 1 }
        for (step, stride) in zip(steps, indexer.innerStrides) {
            let whole = stride == 1 && step == indexer.inner
            let vector = stride == 1 && step == 0
            let single = stride == 0 && step == 0
            guard whole || vector || single else { return 1 }
        }
        return chunk / indexer.inner
    }
}

/// One thread's walk of a `FusedElementwise` program over output rows, a chunk at a time.
private struct Loop {
    let program: FusedElementwise
    let indexer: BroadcastIndexer
    let bases: [UnsafePointer<Float>]
    let bounds: [Float]
    let target: UnsafeMutablePointer<Float>
    let registers: UnsafeMutablePointer<Float>
    /// Per tensor input, where the current row starts.
    private var offsets: [Int]

    init(
        program: FusedElementwise, indexer: BroadcastIndexer, bases: [UnsafePointer<Float>], bounds: [Float],
        target: UnsafeMutablePointer<Float>, registers: UnsafeMutablePointer<Float>
    ) {
        self.program = program
        self.indexer = indexer
        self.bases = bases
        self.bounds = bounds
        self.target = target
        self.registers = registers
        self.offsets = [Int](repeating: 0, count: bases.count)
    }

    /// Computes the output elements `columns` of row `row`.
    mutating func run(row: Int, columns: Range<Int>) {
        if indexer.rows > 1 {
            for index in offsets.indices { offsets[index] = indexer.offset(row: row, input: index) }
        }
        let rowStart = indexer.rows > 1 ? row * indexer.inner : 0
        var start = columns.lowerBound
        while start < columns.upperBound {
            let count = min(FusedElementwise.chunk, columns.upperBound - start)
            runChunk(column: start, count: count, output: target + rowStart + start)
            start += count
        }
    }

    /// Computes the output rows `rows`, `perChunk` whole rows at a time (see `FusedElementwise.rowsPerChunk`).
    mutating func run(rows: Range<Int>, perChunk: Int) {
        var row = rows.lowerBound
        while row < rows.upperBound {
            let count = min(perChunk, rows.upperBound - row)
            for index in offsets.indices { offsets[index] = indexer.offset(row: row, input: index) }
            runChunk(column: 0, count: count * indexer.inner, output: target + row * indexer.inner)
            row += count
        }
    }

    private func runChunk(column: Int, count: Int, output: UnsafeMutablePointer<Float>) {
        let last = program.operations.count - 1
        for (index, operation) in program.operations.enumerated() {
            let destination = index == last ? output : registers + index * FusedElementwise.chunk
            switch operation {
            case .binary(let kind, let a, let b):
                let (left, leftStride) = read(a, column: column)
                let (right, rightStride) = read(b, column: column)
                ArithmeticKernels.floatRun(kind, left, right, destination, count: count, leftStride, rightStride)
            case .relu(let x):
                let (source, stride) = read(x, column: column)
                if stride == 1 {
                    for element in 0..<count {
                        let value = source[element]
                        destination[element] = value < 0 ? 0 : value
                    }
                } else {
                    let value = source[0]
                    destination.update(repeating: value < 0 ? 0 : value, count: count)
                }
            case .negate(let x):
                let (source, stride) = read(x, column: column)
                if stride == 1 {
                    for element in 0..<count { destination[element] = -source[element] }
                } else {
                    destination.update(repeating: -source[0], count: count)
                }
            case .clip(let x, let lowBound, let highBound):
                let (source, stride) = read(x, column: column)
                let low = value(of: lowBound) ?? Float.lowest
                let high = value(of: highBound) ?? Float.highest
                if stride == 1, VectorKernels.available {
                    _ = qdqc_clip_f32(source, destination, count, low, high)
                } else {
                    for element in 0..<count {
                        destination[element] = UnaryKernels.clipped(source[element * stride], low: low, high: high)
                    }
                }
            case .function(let function, let x):
                let (source, stride) = read(x, column: column)
                if stride == 1 {
                    function.applySerial(source, destination, count: count)
                } else {
                    destination.update(repeating: source[0], count: count)
                    function.applySerial(destination, destination, count: count)
                }
            }
        }
    }

    /// Where `operand`'s elements for the chunk at `column` are, and their stride (0 for one broadcast value).
    @inline(__always)
    private func read(_ operand: FusedElementwise.Operand, column: Int) -> (UnsafePointer<Float>, Int) {
        switch operand {
        case .result(let index):
            return (UnsafePointer(registers + index * FusedElementwise.chunk), 1)
        case .input(let index):
            let stride = indexer.innerStrides[index]
            return (bases[index] + offsets[index] + column * stride, stride)
        }
    }

    private func value(of bound: FusedElementwise.Bound) -> Float? {
        switch bound {
        case .none: return nil
        case .constant(let value): return value
        case .input(let index): return bounds[index]
        }
    }
}
