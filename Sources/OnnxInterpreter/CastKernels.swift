import OnnxIR

/// Cast and CastLike (numeric, bool and the float8/float4/int4 families; not strings).
enum CastKernels {
    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        table[":Cast"] = { context in
            guard let to = try context.optionalInt("to") else { throw KernelError.invalidAttribute("'to' is missing") }
            let target = DataType(rawValue: Int32(truncatingIfNeeded: to))
            let saturate = try context.int("saturate", default: 1) != 0
            let rounding = try rounding(context)
            if target == .string { throw KernelError.unsupported("casting to string") }
            return { call in
                [try ElementConversion.convert(call.input(0), to: target, saturate: saturate, rounding: rounding)]
            }
        }
        table[":BitCast"] = { context in
            guard let to = try context.optionalInt("to") else { throw KernelError.invalidAttribute("'to' is missing") }
            let target = DataType(rawValue: Int32(truncatingIfNeeded: to))
            return { call in [try bitCast(call.input(0), to: target)] }
        }
        table[":CastLike"] = { context in
            let saturate = try context.int("saturate", default: 1) != 0
            let rounding = try rounding(context)
            return { call in
                [
                    try ElementConversion.convert(
                        call.input(0), to: call.input(1).dataType, saturate: saturate, rounding: rounding)
                ]
            }
        }
    }

    /// BitCast: the same bytes seen as another type of the same width.
    static func bitCast(_ x: NDArray, to target: DataType) throws -> NDArray {
        guard target != .string, x.dataType != .string, let from = x.dataType.bitWidth, let to = target.bitWidth else {
            throw KernelError.unsupportedType("BitCast between \(x.dataType) and \(target)")
        }
        guard from == to else {
            throw KernelError.invalid(
                "BitCast needs types of one width, \(x.dataType) has \(from) bits, \(target) \(to)")
        }
        return NDArray(dataType: target, shape: x.shape, count: x.count, buffer: x.buffer)
    }

    private static func rounding(_ context: NodeContext) throws -> FloatBits.E8M0Rounding {
        let name = try context.string("round_mode", default: "up")
        guard let mode = FloatBits.E8M0Rounding(rawValue: name) else {
            throw KernelError.invalidAttribute("round_mode '\(name)' is not up, down or nearest")
        }
        return mode
    }
}
