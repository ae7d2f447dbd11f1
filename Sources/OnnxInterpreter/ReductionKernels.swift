import Foundation
import OnnxIR

/// The Reduce* operators and ArgMax/ArgMin.
///
/// The tensor is viewed as [outer, reduced, inner] (transposing first when the reduced axes
/// are not one block); float sums accumulate in double precision.
enum ReductionKernels {
    /// What a reduction computes.
    enum Operation {
        case sum, mean, maximum, minimum, product, l1, l2, logSum, logSumExp, sumSquare
    }

    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        let operations: [(String, Operation, Int)] = [
            ("ReduceSum", .sum, 13), ("ReduceMean", .mean, 18), ("ReduceMax", .maximum, 18),
            ("ReduceMin", .minimum, 18), ("ReduceProd", .product, 18), ("ReduceL1", .l1, 18), ("ReduceL2", .l2, 18),
            ("ReduceLogSum", .logSum, 18), ("ReduceLogSumExp", .logSumExp, 18), ("ReduceSumSquare", .sumSquare, 18),
        ]
        for (name, operation, axesInputSince) in operations {
            table[":" + name] = { context in
                let keepDims = try context.int("keepdims", default: 1) != 0
                let axesAsInput = context.opsetVersion >= axesInputSince
                let noop = axesAsInput ? try context.int("noop_with_empty_axes", default: 0) != 0 : false
                let attributeAxes = axesAsInput ? nil : try context.ints("axes")
                return { call in
                    let x = try call.input(0)
                    let axes = axesAsInput ? try call.integers(1) : attributeAxes
                    if (axes ?? []).isEmpty && noop { return [x] }
                    return [try reduce(x, axes: axes ?? [], keepDims: keepDims, operation: operation)]
                }
            }
        }
        table[":ArgMax"] = argBuilder(largest: true)
        table[":ArgMin"] = argBuilder(largest: false)
    }

    /// Reduces `axes` (all axes when empty) of `x`.
    static func reduce(_ x: NDArray, axes requested: [Int], keepDims: Bool, operation: Operation) throws -> NDArray {
        let axes = requested.isEmpty ? Array(0..<x.rank) : try Shapes.normalizeAxes(requested, rank: x.rank)
        var keptShape: [Int] = []
        for axis in 0..<x.rank {
            if axes.contains(axis) {
                if keepDims { keptShape.append(1) }
            } else {
                keptShape.append(x.shape[axis])
            }
        }
        if x.dataType == .bool {
            guard operation == .maximum || operation == .minimum else {
                throw KernelError.unsupportedType("bool (only ReduceMax and ReduceMin take bool)")
            }
            let bytes = NDArray(dataType: .uint8, shape: x.shape, count: x.count, buffer: x.buffer)
            let result = try reduce(bytes, axes: requested, keepDims: keepDims, operation: operation)
            return NDArray(dataType: .bool, shape: result.shape, count: result.count, buffer: result.buffer)
        }
        let (source, outer, reduced, inner) = try arrange(x, axes: axes)
        if x.dataType == .float16 || x.dataType == .bfloat16 {
            let widened = try ElementConversion.convert(source, to: .float)
            let result = try TypeDispatch.numeric(
                .float, ReduceVisitor(x: widened, outer: outer, reduced: reduced, inner: inner, operation: operation))
            return try ElementConversion.convert(result, to: x.dataType).reshaped(keptShape)
        }
        let result = try TypeDispatch.numeric(
            x.dataType, ReduceVisitor(x: source, outer: outer, reduced: reduced, inner: inner, operation: operation))
        return result.reshaped(keptShape)
    }

    /// `x` (transposed if needed) and the sizes that view it as [outer, reduced, inner].
    static func arrange(_ x: NDArray, axes: [Int]) throws -> (NDArray, Int, Int, Int) {
        let sorted = axes.sorted()
        let nonUnit = sorted.filter { x.shape[$0] != 1 }
        if nonUnit.isEmpty { return (x, x.count, 1, 1) }
        let first = nonUnit[0]
        let last = nonUnit[nonUnit.count - 1]
        let blockIsContiguous = (first...last).allSatisfy { axes.contains($0) || x.shape[$0] == 1 }
        if blockIsContiguous {
            let outer = Shapes.product(x.shape, 0..<first)
            let reduced = Shapes.product(x.shape, first..<(last + 1))
            let inner = Shapes.product(x.shape, (last + 1)..<x.rank)
            return (x, outer, reduced, inner)
        }
        let kept = (0..<x.rank).filter { !axes.contains($0) }
        let moved = try MovementKernels.transpose(x, perm: kept + sorted)
        let reduced = sorted.reduce(1) { $0 * x.shape[$1] }
        return (moved, x.count / max(reduced, 1), reduced, 1)
    }

    private struct ReduceVisitor: NumericVisitor {
        let x: NDArray
        let outer: Int
        let reduced: Int
        let inner: Int
        let operation: Operation

        func visit<T: NumericElement>(_ type: T.Type) throws -> NDArray {
            let output = try NDArray.uninitialized(T.dataType, shape: [outer * inner])
            let source = x.pointer(T.self)
            let target = output.pointer(T.self)
            let count = reduced
            let operation = self.operation
            let inner = self.inner
            if T.isFloatingPoint, inner > 1, Self.accumulatesInDouble(operation) {
                Self.reduceColumns(source, target, outer: outer, count: count, inner: inner, operation: operation)
                return output
            }
            Parallel.forChunks(outer * inner, cost: count) { range in
                for slot in range {
                    let (row, column) = slot.quotientAndRemainder(dividingBy: inner)
                    let base = source + row * count * inner + column
                    target[slot] = Self.reduceLine(base, count: count, stride: inner, operation: operation)
                }
            }
            return output
        }

        @inline(__always)
        static func reduceLine<T: NumericElement>(
            _ base: UnsafeMutablePointer<T>, count: Int, stride: Int, operation: Operation
        ) -> T {
            switch operation {
            case .maximum:
                var best = T.lowest
                for index in 0..<count {
                    let value = base[index * stride]
                    if value.isNaNValue { return value }
                    if value > best { best = value }
                }
                return best
            case .minimum:
                var best = T.highest
                for index in 0..<count {
                    let value = base[index * stride]
                    if value.isNaNValue { return value }
                    if value < best { best = value }
                }
                return best
            case .logSumExp:
                var peak = -Double.infinity
                for index in 0..<count { peak = Swift.max(peak, base[index * stride].doubleValue) }
                if count == 0 { return T(converting: -.infinity) }
                if peak.isInfinite { peak = 0 }
                var total: Double = 0
                for index in 0..<count { total += Foundation.exp(base[index * stride].doubleValue - peak) }
                return T(converting: peak + Foundation.log(total))
            default:
                break
            }
            if !T.isFloatingPoint {
                var total = operation == .product ? T.oneValue : T.zeroValue
                for index in 0..<count {
                    let value = base[index * stride]
                    switch operation {
                    case .product: total = T.multiply(total, value)
                    case .l1: total = T.add(total, T.absolute(value))
                    case .sumSquare, .l2: total = T.add(total, T.multiply(value, value))
                    default: total = T.add(total, value)
                    }
                }
                switch operation {
                case .mean: return count == 0 ? T.zeroValue : T.divide(total, T(converting: Double(count)))
                case .l2: return T(converting: total.doubleValue.squareRoot())
                case .logSum: return T(converting: Foundation.log(total.doubleValue))
                default: return total
                }
            }
            var total: Double = operation == .product ? 1 : 0
            for index in 0..<count {
                let value = base[index * stride].doubleValue
                switch operation {
                case .product: total *= value
                case .l1: total += Swift.abs(value)
                case .sumSquare, .l2: total += value * value
                default: total += value
                }
            }
            return finish(total, count: count, operation: operation)
        }

        /// The operations whose float result is one Double accumulation per output, element after element.
        static func accumulatesInDouble(_ operation: Operation) -> Bool {
            switch operation {
            case .sum, .mean, .product, .l1, .l2, .logSum, .sumSquare: return true
            case .maximum, .minimum, .logSumExp: return false
            }
        }

        /// A float output from its Double accumulation over `count` elements.
        @inline(__always)
        static func finish<T: NumericElement>(_ total: Double, count: Int, operation: Operation) -> T {
            switch operation {
            case .mean: return T(converting: total / Double(count))
            case .l2: return T(converting: total.squareRoot())
            case .logSum: return T(converting: Foundation.log(total))
            default: return T(converting: total)
            }
        }

        /// `reduceLine`'s float accumulation for up to 64 neighbouring outputs at once.
        ///
        /// Reducing a middle axis read each output's line with a stride of `inner` elements; here
        /// every step adds one contiguous row segment to 64 running totals, each output still
        /// taking its elements in the same order, so the sums are the same bits.
        static func reduceColumns<T: NumericElement>(
            _ source: UnsafeMutablePointer<T>, _ target: UnsafeMutablePointer<T>, outer: Int, count: Int, inner: Int,
            operation: Operation
        ) {
            let width = 64
            let blocks = (inner + width - 1) / width
            Parallel.forChunks(outer * blocks, cost: count * min(width, inner)) { range in
                withUnsafeTemporaryAllocation(of: Double.self, capacity: width) { buffer in
                    guard let totals = buffer.baseAddress else { return }
                    for item in range {
                        let (row, block) = item.quotientAndRemainder(dividingBy: blocks)
                        let start = block * width
                        let span = min(width, inner - start)
                        let base = source + row * count * inner + start
                        totals.update(repeating: operation == .product ? 1 : 0, count: span)
                        for index in 0..<count {
                            let line = base + index * inner
                            switch operation {
                            case .product: for column in 0..<span { totals[column] *= line[column].doubleValue }
                            case .l1: for column in 0..<span { totals[column] += Swift.abs(line[column].doubleValue) }
                            case .sumSquare, .l2:
                                for column in 0..<span {
                                    let value = line[column].doubleValue
                                    totals[column] += value * value
                                }
                            default: for column in 0..<span { totals[column] += line[column].doubleValue }
                            }
                        }
                        let results = target + row * inner + start
                        for column in 0..<span {
                            results[column] = finish(totals[column], count: count, operation: operation)
                        }
                    }
                }
            }
        }
    }

    private static func argBuilder(largest: Bool) -> KernelBuilder {
        { context in
            let axis = try context.int("axis", default: 0)
            let keepDims = try context.int("keepdims", default: 1) != 0
            let last = try context.int("select_last_index", default: 0) != 0
            return { call in [try arg(call.input(0), axis: axis, keepDims: keepDims, largest: largest, last: last)] }
        }
    }

    /// ArgMax (`largest`) or ArgMin along `axis`; ties go to the first (or, with `last`, the last) index.
    static func arg(_ x: NDArray, axis requested: Int, keepDims: Bool, largest: Bool, last: Bool) throws -> NDArray {
        let axis = try Shapes.normalizeAxis(requested, rank: x.rank)
        guard x.shape[axis] > 0 else { throw KernelError.invalid("cannot take ArgMax/ArgMin of an empty axis") }
        var shape = x.shape
        if keepDims { shape[axis] = 1 } else { shape.remove(at: axis) }
        let source =
            x.dataType == .float16 || x.dataType == .bfloat16 ? try ElementConversion.convert(x, to: .float) : x
        let output = try TypeDispatch.numeric(
            source.dataType,
            ArgVisitor(
                x: source, outer: Shapes.product(x.shape, 0..<axis), length: x.shape[axis],
                inner: Shapes.product(x.shape, (axis + 1)..<x.rank), largest: largest, last: last))
        return output.reshaped(shape)
    }

    private struct ArgVisitor: NumericVisitor {
        let x: NDArray
        let outer: Int
        let length: Int
        let inner: Int
        let largest: Bool
        let last: Bool

        func visit<T: NumericElement>(_ type: T.Type) throws -> NDArray {
            let output = try NDArray.uninitialized(.int64, shape: [outer * inner])
            let source = x.pointer(T.self)
            let target = output.pointer(Int64.self)
            for row in 0..<outer {
                for column in 0..<inner {
                    let base = source + row * length * inner + column
                    var best = base[0]
                    var bestIndex = 0
                    for index in 1..<max(length, 1) {
                        let value = base[index * inner]
                        let better = largest ? value > best : value < best
                        if better || (last && value == best) {
                            best = value
                            bestIndex = index
                        }
                    }
                    target[row * inner + column] = Int64(bestIndex)
                }
            }
            return output
        }
    }
}
