import CVectorMath
import OnnxIR

/// One-input elementwise operators: the float math and activation functions, Abs, Neg, Sign,
/// Relu, Clip, Shrink, IsNaN, IsInf, Not and BitwiseNot.
enum UnaryKernels {
    /// Registers the family's kernels.
    /// The operators computed by a `FloatFunction`, each with how its attributes pick the function.
    static let floatFunctions: [String: @Sendable (NodeContext) throws -> FloatFunction] = {
        let plain: [(String, FloatFunction)] = [
            ("Exp", .exp), ("Log", .log), ("Sqrt", .sqrt), ("Reciprocal", .reciprocal), ("Floor", .floor),
            ("Ceil", .ceil), ("Round", .round), ("Sin", .sin), ("Cos", .cos), ("Tan", .tan), ("Asin", .asin),
            ("Acos", .acos), ("Atan", .atan), ("Sinh", .sinh), ("Cosh", .cosh), ("Tanh", .tanh), ("Asinh", .asinh),
            ("Acosh", .acosh), ("Atanh", .atanh), ("Erf", .erf), ("Sigmoid", .sigmoid), ("Softplus", .softplus),
            ("Softsign", .softsign), ("Mish", .mish), ("HardSwish", .hardSwish),
        ]
        var table: [String: @Sendable (NodeContext) throws -> FloatFunction] = [:]
        for (name, function) in plain { table[name] = { _ in function } }
        table["LeakyRelu"] = { .leakyRelu(alpha: try $0.float("alpha", default: 0.01)) }
        table["HardSigmoid"] = {
            .hardSigmoid(alpha: try $0.float("alpha", default: 0.2), beta: try $0.float("beta", default: 0.5))
        }
        table["Gelu"] = { context in
            let approximate = try context.string("approximate", default: "none")
            guard approximate == "none" || approximate == "tanh" else {
                throw KernelError.invalidAttribute("approximate must be 'none' or 'tanh', not '\(approximate)'")
            }
            return .gelu(tanhApproximation: approximate == "tanh")
        }
        table["Elu"] = { .elu(alpha: try $0.float("alpha", default: 1)) }
        table["Selu"] = {
            .selu(
                alpha: try $0.float("alpha", default: 1.67326319217681884765625),
                gamma: try $0.float("gamma", default: 1.05070102214813232421875))
        }
        table["Celu"] = { .celu(alpha: try $0.float("alpha", default: 1)) }
        table["ThresholdedRelu"] = { .thresholdedRelu(alpha: try $0.float("alpha", default: 1)) }
        table["Swish"] = { .swish(alpha: try $0.float("alpha", default: 1)) }
        return table
    }()

    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        for (name, make) in floatFunctions { table[":" + name] = float(make) }
        table[":Abs"] = numeric(.absolute)
        table[":Neg"] = numeric(.negate)
        table[":Sign"] = numeric(.sign)
        table[":Relu"] = numeric(.relu)
        table[":Shrink"] = { context in
            let bias = Double(try context.float("bias", default: 0))
            let lambd = Double(try context.float("lambd", default: 0.5))
            return try numeric(.shrink(bias: bias, lambd: lambd))(context)
        }
        table[":Clip"] = clip
        table[":IsNaN"] = { _ in
            { call in [try classify(call.input(0), detectNaN: true, negative: false, positive: false)] }
        }
        table[":IsInf"] = { context in
            let negative = try context.int("detect_negative", default: 1) != 0
            let positive = try context.int("detect_positive", default: 1) != 0
            return { call in [try classify(call.input(0), detectNaN: false, negative: negative, positive: positive)] }
        }
        table[":Not"] = { _ in
            { call in
                let x = try call.input(0)
                guard x.dataType == .bool else {
                    throw KernelError.unsupportedType("Not takes bool, not \(x.dataType)")
                }
                let output = try NDArray.uninitialized(.bool, shape: x.shape)
                ElementwiseLoops.map(x.pointer(UInt8.self), output.pointer(UInt8.self), count: x.count) {
                    $0 == 0 ? 1 : 0
                }
                return [output]
            }
        }
        table[":BitwiseNot"] = numeric(.bitwiseNot)
    }

    /// A kernel applying the float function `make` picks from the node's attributes.
    static func float(_ make: @escaping (NodeContext) throws -> FloatFunction) -> KernelBuilder {
        { context in
            let function = try make(context)
            return { call in
                let (x, owned) = try call.inputForReuse(0)
                return [try apply(function, to: x, reuse: owned)]
            }
        }
    }

    /// `function` applied to every element of `x` (float, double, float16 or bfloat16).
    static func apply(_ function: FloatFunction, to x: NDArray, reuse: Bool) throws -> NDArray {
        switch x.dataType {
        case .float:
            let output = reuse && !x.buffer.isShared ? x : try NDArray.uninitialized(.float, shape: x.shape)
            function.apply(x.pointer(Float.self), output.pointer(Float.self), count: x.count)
            return output
        case .double:
            let output = reuse && !x.buffer.isShared ? x : try NDArray.uninitialized(.double, shape: x.shape)
            function.apply(x.pointer(Double.self), output.pointer(Double.self), count: x.count)
            return output
        case .float16, .bfloat16:
            let widened = try ElementConversion.convert(x, to: .float)
            function.apply(widened.pointer(Float.self), widened.pointer(Float.self), count: x.count)
            return try ElementConversion.convert(widened, to: x.dataType)
        default:
            throw KernelError.unsupportedType("\(x.dataType) (supported: float, double, float16, bfloat16)")
        }
    }

    /// The numeric one-input operations.
    enum NumericOperation {
        case absolute, negate, sign, relu, shrink(bias: Double, lambd: Double), bitwiseNot
    }

    private static func numeric(_ operation: NumericOperation) -> KernelBuilder {
        { _ in
            { call in
                let (x, owned) = try call.inputForReuse(0)
                if x.dataType == .bfloat16 {
                    let widened = try ElementConversion.convert(x, to: .float)
                    try TypeDispatch.numeric(
                        .float, NumericVisitorImpl(operation: operation, x: widened, output: widened))
                    return [try ElementConversion.convert(widened, to: .bfloat16)]
                }
                let output = owned && !x.buffer.isShared ? x : try NDArray.uninitialized(x.dataType, shape: x.shape)
                let allowed: [DataType]? = {
                    if case .bitwiseNot = operation { return TypeDispatch.integerTypes }
                    return nil
                }()
                try TypeDispatch.numeric(
                    x.dataType, allowed: allowed, NumericVisitorImpl(operation: operation, x: x, output: output))
                return [output]
            }
        }
    }

    private struct NumericVisitorImpl: NumericVisitor {
        let operation: NumericOperation
        let x: NDArray
        let output: NDArray

        func visit<T: NumericElement>(_ type: T.Type) throws {
            let input = UnsafePointer(x.pointer(T.self))
            let result = output.pointer(T.self)
            let count = x.count
            let operation = self.operation
            Parallel.forChunks(count) { range in
                switch operation {
                case .absolute: ElementwiseLoops.mapRange(input, result, range) { T.absolute($0) }
                case .negate: ElementwiseLoops.mapRange(input, result, range) { T.negate($0) }
                case .sign: ElementwiseLoops.mapRange(input, result, range) { T.signum($0) }
                case .relu:
                    let zero = T.zeroValue
                    ElementwiseLoops.mapRange(input, result, range) { $0 < zero ? zero : $0 }
                case .shrink(let bias, let lambd):
                    ElementwiseLoops.mapRange(input, result, range) { value in
                        let x = value.doubleValue
                        if x < -lambd { return T(converting: x + bias) }
                        if x > lambd { return T(converting: x - bias) }
                        return T.zeroValue
                    }
                case .bitwiseNot:
                    ElementwiseLoops.mapRange(input, result, range) { T(integer: ~$0.bitPattern64) }
                }
            }
        }
    }

    private static func clip(_ context: NodeContext) throws -> Kernel {
        if context.opsetVersion < 11 {
            let low = try context.float("min", default: -Float.greatestFiniteMagnitude)
            let high = try context.float("max", default: Float.greatestFiniteMagnitude)
            return { call in
                let (x, owned) = try call.inputForReuse(0)
                return [
                    try clip(
                        x, low: NDArray(floats: [low], shape: []), high: NDArray(floats: [high], shape: []),
                        reuse: owned)
                ]
            }
        }
        return { call in
            let (x, owned) = try call.inputForReuse(0)
            return [try clip(x, low: call.optionalInput(1), high: call.optionalInput(2), reuse: owned)]
        }
    }

    /// `min(max(x, low), high)`; `low` and `high` are optional scalars of x's type.
    static func clip(_ x: NDArray, low: NDArray?, high: NDArray?, reuse: Bool) throws -> NDArray {
        for bound in [low, high].compactMap({ $0 }) {
            guard bound.count == 1 else { throw KernelError.invalid("min and max must be scalars, got \(bound.shape)") }
            guard bound.dataType == x.dataType else {
                throw KernelError.invalid("min/max type \(bound.dataType) differs from input type \(x.dataType)")
            }
        }
        if x.dataType == .bfloat16 {
            let clipped = try clip(
                ElementConversion.convert(x, to: .float),
                low: low.map { try ElementConversion.convert($0, to: .float) },
                high: high.map { try ElementConversion.convert($0, to: .float) }, reuse: true)
            return try ElementConversion.convert(clipped, to: .bfloat16)
        }
        let output = reuse && !x.buffer.isShared ? x : try NDArray.uninitialized(x.dataType, shape: x.shape)
        try TypeDispatch.numeric(x.dataType, ClipVisitor(x: x, low: low, high: high, output: output))
        return output
    }

    private struct ClipVisitor: NumericVisitor {
        let x: NDArray
        let low: NDArray?
        let high: NDArray?
        let output: NDArray

        func visit<T: NumericElement>(_ type: T.Type) throws {
            let lowValue = low.map { $0.pointer(T.self)[0] } ?? T.lowest
            let highValue = high.map { $0.pointer(T.self)[0] } ?? T.highest
            let input = UnsafePointer(x.pointer(T.self))
            let result = output.pointer(T.self)
            if T.self == Float.self, VectorKernels.available {
                // Eight lanes making the loop's comparisons below (`qdqc_clip_f32`); Clip usually
                // writes over its input, where the Swift loop falls back to scalar code.
                let source = UnsafeRawPointer(input).assumingMemoryBound(to: Float.self)
                let target = UnsafeMutableRawPointer(result).assumingMemoryBound(to: Float.self)
                let (low, high) = (unsafeBitCast(lowValue, to: Float.self), unsafeBitCast(highValue, to: Float.self))
                Parallel.forChunks(x.count) { range in
                    _ = qdqc_clip_f32(source + range.lowerBound, target + range.lowerBound, range.count, low, high)
                }
                return
            }
            Parallel.forChunks(x.count) { range in
                ElementwiseLoops.mapRange(input, result, range) { clipped($0, low: lowValue, high: highValue) }
            }
        }
    }

    /// Clip of one element: NaN stays NaN, then `low` if below it, then `high` if above it (the comparisons
    /// `qdqc_clip_f32` makes on eight lanes).
    @inline(__always)
    static func clipped<T: NumericElement>(_ value: T, low: T, high: T) -> T {
        if value.isNaNValue { return value }
        let raised = value < low ? low : value
        return raised > high ? high : raised
    }

    private static func classify(_ x: NDArray, detectNaN: Bool, negative: Bool, positive: Bool) throws -> NDArray {
        let floats = try x.dataType == .double ? x : ElementConversion.convert(x, to: .float)
        guard x.dataType.isFloatingPoint else {
            throw KernelError.unsupportedType("\(x.dataType) (a floating-point type is needed)")
        }
        let output = try NDArray.uninitialized(.bool, shape: x.shape)
        let result = output.pointer(UInt8.self)
        if floats.dataType == .double {
            ElementwiseLoops.map(floats.pointer(Double.self), result, count: x.count) { value in
                Self.flag(Float(value), value.isNaN, detectNaN, negative, positive)
            }
        } else {
            ElementwiseLoops.map(floats.pointer(Float.self), result, count: x.count) { value in
                Self.flag(value, value.isNaN, detectNaN, negative, positive)
            }
        }
        return output
    }

    @inline(__always)
    private static func flag(_ value: Float, _ isNaN: Bool, _ detectNaN: Bool, _ negative: Bool, _ positive: Bool)
        -> UInt8
    {
        if detectNaN { return isNaN ? 1 : 0 }
        if value == .infinity { return positive ? 1 : 0 }
        if value == -.infinity { return negative ? 1 : 0 }
        return 0
    }
}
