import Foundation
import OnnxIR

/// Add, Sub, Mul, Div, Mod, Pow, Max, Min, Sum, Mean and PRelu, with numpy broadcasting.
enum ArithmeticKernels {
    /// The binary operations these kernels share one loop for.
    enum Operation {
        case add, subtract, multiply, divide, modulo(fmod: Bool), power, maximum, minimum, preluSlope
    }

    /// Add, Sub, Mul and Div by op type: one IEEE operation per element (`FusedElementwise` runs them too).
    static let basicOperations: [String: Operation] = [
        "Add": .add, "Sub": .subtract, "Mul": .multiply, "Div": .divide,
    ]

    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        for (name, operation) in basicOperations { table[":" + name] = binary(operation) }
        table[":Mod"] = { context in
            let fmod = try context.int("fmod", default: 0) != 0
            return try binary(.modulo(fmod: fmod))(context)
        }
        table[":Pow"] = { _ in { call in [try power(call.input(0), call.input(1))] } }
        table[":Max"] = variadic(.maximum, mean: false)
        table[":Min"] = variadic(.minimum, mean: false)
        table[":Sum"] = variadic(.add, mean: false)
        table[":Mean"] = variadic(.add, mean: true)
        table[":SwiGLU"] = { context in
            let alpha = try context.float("alpha", default: 1)
            return { call in
                let a = try call.input(0)
                let b = try call.input(1)
                guard a.shape == b.shape else {
                    throw KernelError.invalid("A \(a.shape) and B \(b.shape) must have one shape")
                }
                let gate = try UnaryKernels.apply(.swish(alpha: alpha), to: a, reuse: false)
                return [try apply(.multiply, gate, b, reuseA: true)]
            }
        }
        table[":PRelu"] = { _ in
            { call in
                let (x, owned) = try call.inputForReuse(0)
                let slope = try call.input(1)
                let result = try apply(.preluSlope, x, slope, reuseA: owned)
                guard result.shape == x.shape else {
                    throw KernelError.invalid("slope \(slope.shape) does not broadcast to X \(x.shape)")
                }
                return [result]
            }
        }
    }

    private static func binary(_ operation: Operation) -> KernelBuilder {
        { _ in
            { call in
                let (a, owned) = try call.inputForReuse(0)
                let b = try call.input(1)
                return [try apply(operation, a, b, reuseA: owned, divisorName: { [call] in call.inputName(1) })]
            }
        }
    }

    private static func variadic(_ operation: Operation, mean: Bool) -> KernelBuilder {
        { _ in
            { call in
                guard call.inputCount > 0 else { throw KernelError.invalid("needs at least one input") }
                var (result, owned) = try call.inputForReuse(0)
                for index in 1..<call.inputCount {
                    result = try apply(operation, result, call.input(index), reuseA: owned)
                    owned = true
                }
                if mean && call.inputCount > 1 {
                    let divisor = try NDArray.scalar(Double(call.inputCount), as: result.dataType)
                    result = try apply(.divide, result, divisor, reuseA: owned)
                }
                return [result]
            }
        }
    }

    /// `operation(a, b)` broadcast; writes over `a` when `reuseA` (the caller owns `a` alone) and shapes allow.
    static func apply(
        _ operation: Operation, _ a: NDArray, _ b: NDArray, reuseA: Bool, divisorName: () -> String = { "B" }
    ) throws -> NDArray {
        guard a.dataType == b.dataType else {
            throw KernelError.invalid("inputs have different element types \(a.dataType) and \(b.dataType)")
        }
        if a.dataType == .bfloat16 {
            let result = try apply(
                operation, ElementConversion.convert(a, to: .float), ElementConversion.convert(b, to: .float),
                reuseA: true, divisorName: divisorName)
            return try ElementConversion.convert(result, to: .bfloat16)
        }
        let indexer = try BroadcastIndexer([a.shape, b.shape])
        if case .divide = operation, a.dataType.isInteger, try containsZero(b) {
            throw KernelError.invalid("integer division by zero in \(divisorName())")
        }
        let output =
            reuseA && indexer.shape == a.shape && !a.buffer.isShared
            ? a : try NDArray.uninitialized(a.dataType, shape: indexer.shape)
        try TypeDispatch.numeric(
            a.dataType, BinaryVisitor(operation: operation, a: a, b: b, output: output, indexer: indexer))
        return output
    }

    /// `out[i] = operation(a[i * strideA], b[i * strideB])` for `i` in `0..<count` (strides 0 or 1), on the
    /// calling thread, bit for bit what `apply` computes for those elements.
    @inline(__always)
    static func floatRun(
        _ operation: Operation, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
        _ out: UnsafeMutablePointer<Float>,
        count: Int, _ strideA: Int, _ strideB: Int
    ) {
        BinaryVisitor.run(operation, a, b, out, 0..<count, strideA, strideB)
    }

    private static func containsZero(_ array: NDArray) throws -> Bool {
        try TypeDispatch.numeric(array.dataType, ZeroSearch(array: array))
    }

    private struct ZeroSearch: NumericVisitor {
        let array: NDArray
        func visit<T: NumericElement>(_ type: T.Type) throws -> Bool {
            let pointer = array.pointer(T.self)
            for index in 0..<array.count where pointer[index].isZeroValue { return true }
            return false
        }
    }

    private struct BinaryVisitor: NumericVisitor {
        let operation: Operation
        let a: NDArray
        let b: NDArray
        let output: NDArray
        let indexer: BroadcastIndexer

        func visit<T: NumericElement>(_ type: T.Type) throws {
            let pa = UnsafePointer(a.pointer(T.self))
            let pb = UnsafePointer(b.pointer(T.self))
            let po = output.pointer(T.self)
            let indexer = self.indexer
            let operation = self.operation
            let (units, unitCost) = ElementwiseLoops.unitCount(indexer)
            let cost: Int
            switch operation {
            case .modulo: cost = 8
            case .power: cost = 16
            default: cost = 1
            }
            let (strideA, strideB) = (indexer.innerStrides[0], indexer.innerStrides[1])
            let steps = indexer.rows > 1 ? indexer.rowSteps : nil
            Parallel.forChunks(units, cost: unitCost * cost) { range in
                if let steps,
                    VectorArithmetic.applyRows(
                        operation, pa, pb, po, rows: range, steps: (steps[0], steps[1]), inner: indexer.inner, strideA,
                        strideB)
                {
                    return
                }
                ElementwiseLoops.forEachRun(indexer, range) { offsetA, offsetB, offsetOut, run in
                    Self.run(operation, pa + offsetA, pb + offsetB, po + offsetOut, run, strideA, strideB)
                }
            }
        }

        /// One contiguous run; the switch sits outside the element loops, which then vectorize.
        static func run<T: NumericElement>(
            _ operation: Operation, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>,
            _ range: Range<Int>, _ strideA: Int, _ strideB: Int
        ) {
            if VectorArithmetic.apply(operation, a, b, out, range, strideA, strideB) { return }
            switch operation {
            case .add: ElementwiseLoops.stridedRow(a, b, out, range, strideA, strideB) { T.add($0, $1) }
            case .subtract: ElementwiseLoops.stridedRow(a, b, out, range, strideA, strideB) { T.subtract($0, $1) }
            case .multiply: ElementwiseLoops.stridedRow(a, b, out, range, strideA, strideB) { T.multiply($0, $1) }
            case .divide: ElementwiseLoops.stridedRow(a, b, out, range, strideA, strideB) { T.divide($0, $1) }
            case .modulo(let fmod):
                ElementwiseLoops.stridedRow(a, b, out, range, strideA, strideB) { T.modulo($0, $1, fmod: fmod) }
            case .power: ElementwiseLoops.stridedRow(a, b, out, range, strideA, strideB) { T.power($0, $1) }
            case .maximum: ElementwiseLoops.stridedRow(a, b, out, range, strideA, strideB) { T.maximum($0, $1) }
            case .minimum: ElementwiseLoops.stridedRow(a, b, out, range, strideA, strideB) { T.minimum($0, $1) }
            case .preluSlope:
                ElementwiseLoops.stridedRow(a, b, out, range, strideA, strideB) { x, slope in
                    x < T.zeroValue ? T.multiply(x, slope) : x
                }
            }
        }
    }

    /// Pow: the base's element type for the result; the exponent may have another numeric type.
    static func power(_ base: NDArray, _ exponent: NDArray) throws -> NDArray {
        if base.dataType == exponent.dataType {
            return try apply(.power, base, exponent, reuseA: false)
        }
        if base.dataType == .bfloat16 {
            let result = try power(ElementConversion.convert(base, to: .float), exponent)
            return try ElementConversion.convert(result, to: .bfloat16)
        }
        let exponents = try ElementConversion.convert(exponent, to: .double)
        let indexer = try BroadcastIndexer([base.shape, exponents.shape])
        let output = try NDArray.uninitialized(base.dataType, shape: indexer.shape)
        try TypeDispatch.numeric(
            base.dataType, MixedPowerVisitor(base: base, exponents: exponents, output: output, indexer: indexer))
        return output
    }

    private struct MixedPowerVisitor: NumericVisitor {
        let base: NDArray
        let exponents: NDArray
        let output: NDArray
        let indexer: BroadcastIndexer

        func visit<T: NumericElement>(_ type: T.Type) throws {
            ElementwiseLoops.zip(
                indexer, UnsafePointer(base.pointer(T.self)), UnsafePointer(exponents.pointer(Double.self)),
                output.pointer(T.self), cost: 16
            ) { x, y in
                if y == 2 { return T.multiply(x, x) }
                return T(converting: Foundation.pow(x.doubleValue, y))
            }
        }
    }
}
