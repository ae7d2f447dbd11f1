import CVectorMath
import OnnxIR

/// Comparisons, logical and bitwise operators, and Where, all with numpy broadcasting.
enum ComparisonKernels {
    /// The two-input operations with a bool (or, for bitwise ones, integer) result.
    enum Operation {
        case equal, less, greater, lessOrEqual, greaterOrEqual
        case and, or, xor
        case bitwiseAnd, bitwiseOr, bitwiseXor, shiftLeft, shiftRight
    }

    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        let simple: [(String, Operation)] = [
            ("Equal", .equal), ("Less", .less), ("Greater", .greater), ("LessOrEqual", .lessOrEqual),
            ("GreaterOrEqual", .greaterOrEqual), ("And", .and), ("Or", .or), ("Xor", .xor),
            ("BitwiseAnd", .bitwiseAnd), ("BitwiseOr", .bitwiseOr), ("BitwiseXor", .bitwiseXor),
        ]
        for (name, operation) in simple {
            table[":" + name] = { _ in { call in [try apply(operation, call.input(0), call.input(1))] } }
        }
        table[":BitShift"] = { context in
            let direction = try context.string("direction", default: "")
            guard direction == "LEFT" || direction == "RIGHT" else {
                throw KernelError.invalidAttribute("direction must be LEFT or RIGHT, not '\(direction)'")
            }
            let operation: Operation = direction == "LEFT" ? .shiftLeft : .shiftRight
            return { call in [try apply(operation, call.input(0), call.input(1))] }
        }
        table[":Where"] = { _ in { call in [try select(call.input(0), call.input(1), call.input(2))] } }
    }

    /// `operation(a, b)` broadcast.
    static func apply(_ operation: Operation, _ a: NDArray, _ b: NDArray) throws -> NDArray {
        guard a.dataType == b.dataType else {
            throw KernelError.invalid("inputs have different element types \(a.dataType) and \(b.dataType)")
        }
        let indexer = try BroadcastIndexer([a.shape, b.shape])
        switch operation {
        case .and, .or, .xor:
            guard a.dataType == .bool else { throw KernelError.unsupportedType("\(a.dataType) (bool is needed)") }
            let output = try NDArray.uninitialized(.bool, shape: indexer.shape)
            let pa = UnsafePointer(a.pointer(UInt8.self))
            let pb = UnsafePointer(b.pointer(UInt8.self))
            let po = output.pointer(UInt8.self)
            switch operation {
            case .and: ElementwiseLoops.zip(indexer, pa, pb, po) { ($0 != 0 && $1 != 0) ? 1 : 0 }
            case .or: ElementwiseLoops.zip(indexer, pa, pb, po) { ($0 != 0 || $1 != 0) ? 1 : 0 }
            default: ElementwiseLoops.zip(indexer, pa, pb, po) { (($0 != 0) != ($1 != 0)) ? 1 : 0 }
            }
            return output
        case .bitwiseAnd, .bitwiseOr, .bitwiseXor, .shiftLeft, .shiftRight:
            let output = try NDArray.uninitialized(a.dataType, shape: indexer.shape)
            try TypeDispatch.numeric(
                a.dataType, allowed: TypeDispatch.integerTypes,
                BitwiseVisitor(operation: operation, a: a, b: b, output: output, indexer: indexer))
            return output
        default:
            let output = try NDArray.uninitialized(.bool, shape: indexer.shape)
            if a.dataType == .bool {
                try compare(operation, UInt8.self, a, b, output, indexer)
            } else if a.dataType == .bfloat16 {
                let fa = try ElementConversion.convert(a, to: .float)
                let fb = try ElementConversion.convert(b, to: .float)
                try compare(operation, Float.self, fa, fb, output, indexer)
            } else {
                try TypeDispatch.numeric(
                    a.dataType, CompareVisitor(operation: operation, a: a, b: b, output: output, indexer: indexer))
            }
            return output
        }
    }

    private struct CompareVisitor: NumericVisitor {
        let operation: Operation
        let a: NDArray
        let b: NDArray
        let output: NDArray
        let indexer: BroadcastIndexer
        func visit<T: NumericElement>(_ type: T.Type) throws {
            try compare(operation, T.self, a, b, output, indexer)
        }
    }

    private static func compare<T: Comparable>(
        _ operation: Operation, _ type: T.Type, _ a: NDArray, _ b: NDArray, _ output: NDArray,
        _ indexer: BroadcastIndexer
    ) throws {
        let pa = UnsafePointer(a.pointer(T.self))
        let pb = UnsafePointer(b.pointer(T.self))
        let po = output.pointer(UInt8.self)
        guard [.equal, .less, .greater, .lessOrEqual, .greaterOrEqual].contains(operation) else {
            throw KernelError.unsupported("comparison \(operation)")
        }
        let (units, unitCost) = ElementwiseLoops.unitCount(indexer)
        let (strideA, strideB) = (indexer.innerStrides[0], indexer.innerStrides[1])
        if VectorKernels.available, strideA != 0 || strideB != 0, let type = vectorType(T.self),
            let code = vectorCode(operation)
        {
            // Eight lanes a step (`qdqc_compare`), the same results as the operators below.
            Parallel.forChunks(units, cost: unitCost) { range in
                ElementwiseLoops.forEachRun(indexer, range) { offsetA, offsetB, offsetOut, run in
                    _ = qdqc_compare(
                        type, code, pa + offsetA + run.lowerBound * strideA, strideA,
                        pb + offsetB + run.lowerBound * strideB, strideB, po + offsetOut + run.lowerBound, run.count)
                }
            }
            return
        }
        Parallel.forChunks(units, cost: unitCost) { range in
            switch operation {
            case .equal: ElementwiseLoops.zipUnits(indexer, pa, pb, po, range) { $0 == $1 ? 1 : 0 }
            case .less: ElementwiseLoops.zipUnits(indexer, pa, pb, po, range) { $0 < $1 ? 1 : 0 }
            case .greater: ElementwiseLoops.zipUnits(indexer, pa, pb, po, range) { $0 > $1 ? 1 : 0 }
            case .lessOrEqual: ElementwiseLoops.zipUnits(indexer, pa, pb, po, range) { $0 <= $1 ? 1 : 0 }
            default: ElementwiseLoops.zipUnits(indexer, pa, pb, po, range) { $0 >= $1 ? 1 : 0 }
            }
        }
    }

    /// `qdqc_compare`'s element type code for `T`, or nil when it has none.
    private static func vectorType<T>(_ type: T.Type) -> Int32? {
        if T.self == Float.self { return 0 }
        if T.self == Int32.self { return 1 }
        if T.self == Int64.self { return 2 }
        return nil
    }

    /// `qdqc_compare`'s operation code, or nil for the non-comparisons.
    private static func vectorCode(_ operation: Operation) -> Int32? {
        switch operation {
        case .equal: return 0
        case .less: return 1
        case .greater: return 2
        case .lessOrEqual: return 3
        case .greaterOrEqual: return 4
        default: return nil
        }
    }

    private struct BitwiseVisitor: NumericVisitor {
        let operation: Operation
        let a: NDArray
        let b: NDArray
        let output: NDArray
        let indexer: BroadcastIndexer
        func visit<T: NumericElement>(_ type: T.Type) throws {
            let pa = UnsafePointer(a.pointer(T.self))
            let pb = UnsafePointer(b.pointer(T.self))
            let po = output.pointer(T.self)
            let width = Int64((T.dataType.bitWidth ?? 64))
            switch operation {
            case .bitwiseAnd:
                ElementwiseLoops.zip(indexer, pa, pb, po) { T(integer: $0.bitPattern64 & $1.bitPattern64) }
            case .bitwiseOr: ElementwiseLoops.zip(indexer, pa, pb, po) { T(integer: $0.bitPattern64 | $1.bitPattern64) }
            case .bitwiseXor:
                ElementwiseLoops.zip(indexer, pa, pb, po) { T(integer: $0.bitPattern64 ^ $1.bitPattern64) }
            case .shiftLeft:
                // Shift amounts outside [0, width) give 0, as the spec says.
                ElementwiseLoops.zip(indexer, pa, pb, po) { value, shift in
                    let amount = shift.bitPattern64
                    guard amount >= 0, amount < width else { return T.zeroValue }
                    return T(integer: UInt64(bitPattern: value.bitPattern64) << UInt64(amount))
                }
            default:
                // Signed types shift arithmetically; out-of-range amounts leave only the sign fill.
                let signed = T.lowest < T.zeroValue
                ElementwiseLoops.zip(indexer, pa, pb, po) { value, shift in
                    let amount = shift.bitPattern64
                    let negative = signed && value < T.zeroValue
                    guard amount >= 0, amount < width else { return negative ? T(integer: Int64(-1)) : T.zeroValue }
                    if signed { return T(integer: value.bitPattern64 >> amount) }
                    return T(integer: UInt64(bitPattern: value.bitPattern64) >> UInt64(amount))
                }
            }
        }
    }

    /// Where: `condition ? x : y`, all three broadcast.
    static func select(_ condition: NDArray, _ x: NDArray, _ y: NDArray) throws -> NDArray {
        guard condition.dataType == .bool else {
            throw KernelError.invalid("condition must be bool, not \(condition.dataType)")
        }
        guard x.dataType == y.dataType else {
            throw KernelError.invalid("X and Y have different element types \(x.dataType) and \(y.dataType)")
        }
        let indexer = try BroadcastIndexer([condition.shape, x.shape, y.shape])
        let output = try NDArray.uninitialized(x.dataType, shape: indexer.shape)
        let pc = UnsafePointer(condition.pointer(UInt8.self))
        switch try TypeDispatch.elementSize(x.dataType) {
        case 1: selectLoop(indexer, pc, x, y, output, UInt8.self)
        case 2: selectLoop(indexer, pc, x, y, output, UInt16.self)
        case 4: selectLoop(indexer, pc, x, y, output, UInt32.self)
        case 8: selectLoop(indexer, pc, x, y, output, UInt64.self)
        default: throw KernelError.unsupportedType("\(x.dataType)")
        }
        return output
    }

    private static func selectLoop<T>(
        _ indexer: BroadcastIndexer, _ condition: UnsafePointer<UInt8>, _ x: NDArray, _ y: NDArray, _ output: NDArray,
        _ type: T.Type
    ) {
        ElementwiseLoops.zip3(
            indexer, condition, UnsafePointer(x.pointer(T.self)), UnsafePointer(y.pointer(T.self)),
            output.pointer(T.self)
        ) { $0 != 0 ? $1 : $2 }
    }
}
