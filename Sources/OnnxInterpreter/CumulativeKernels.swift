import OnnxIR

/// CumSum and CumProd along one axis, inclusive or exclusive, forward or reversed.
enum CumulativeKernels {
    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        table[":CumSum"] = builder(product: false)
        table[":CumProd"] = builder(product: true)
    }

    private static func builder(product: Bool) -> KernelBuilder {
        { context in
            let exclusive = try context.int("exclusive", default: 0) != 0
            let reverse = try context.int("reverse", default: 0) != 0
            return { call in
                let x = try call.input(0)
                let axis = try IntegerReading.scalar(of: call.input(1), name: call.inputName(1))
                return [try accumulate(x, axis: axis, product: product, exclusive: exclusive, reverse: reverse)]
            }
        }
    }

    /// The running sum (or product) of `x` along `axis`.
    static func accumulate(_ x: NDArray, axis requested: Int, product: Bool, exclusive: Bool, reverse: Bool) throws
        -> NDArray
    {
        let axis = try Shapes.normalizeAxis(requested, rank: x.rank)
        if x.dataType == .bfloat16 {
            let result = try accumulate(
                ElementConversion.convert(x, to: .float), axis: axis, product: product, exclusive: exclusive,
                reverse: reverse)
            return try ElementConversion.convert(result, to: .bfloat16)
        }
        let output = try NDArray.uninitialized(x.dataType, shape: x.shape)
        try TypeDispatch.numeric(
            x.dataType,
            Visitor(
                x: x, output: output, outer: Shapes.product(x.shape, 0..<axis), length: x.shape[axis],
                inner: Shapes.product(x.shape, (axis + 1)..<x.rank), product: product, exclusive: exclusive,
                reverse: reverse))
        return output
    }

    private struct Visitor: NumericVisitor {
        let x: NDArray
        let output: NDArray
        let outer: Int
        let length: Int
        let inner: Int
        let product: Bool
        let exclusive: Bool
        let reverse: Bool

        func visit<T: NumericElement>(_ type: T.Type) throws {
            let source = x.pointer(T.self)
            let target = output.pointer(T.self)
            for row in 0..<outer {
                for column in 0..<inner {
                    var running = product ? T.oneValue : T.zeroValue
                    for step in 0..<length {
                        let position = reverse ? length - 1 - step : step
                        let offset = (row * length + position) * inner + column
                        let value = source[offset]
                        if exclusive { target[offset] = running }
                        running = product ? T.multiply(running, value) : T.add(running, value)
                        if !exclusive { target[offset] = running }
                    }
                }
            }
        }
    }
}
