import OnnxIR

/// Convolutions and pools: output spatial sizes from kernel, pads, strides, dilations, auto_pad and ceil_mode.
extension ShapeRules {
    static func registerWindows(into table: inout [String: Rule]) {
        table["Conv"] = { context in [try convolution(context, type: context.elementType(0), weight: 1)] }
        table["ConvInteger"] = { context in [try convolution(context, type: .int32, weight: 1)] }
        table["QLinearConv"] = { context in [try convolution(context, type: context.elementType(7), weight: 3)] }
        table["ConvTranspose"] = { context in [try transposedConvolution(context)] }
        for op in ["MaxPool", "AveragePool", "LpPool"] {
            table[op] = { context in
                let pooled = try pool(context)
                return [pooled, TensorSignature(.int64, pooled.dimensions)]
            }
        }
        for op in ["GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"] {
            table[op] = { context in
                guard let x = context.dimensions(0) else { return [TensorSignature(context.elementType(0), nil)] }
                guard x.count >= 2 else { throw context.fail("input must have rank 2 or more, got \(x.count)") }
                let spatial = [Dimension](repeating: .known(1), count: x.count - 2)
                return [TensorSignature(context.elementType(0), Array(x.prefix(2)) + spatial)]
            }
        }
    }

    private static func convolution(_ context: ShapeRuleContext, type: DataType?, weight: Int) throws
        -> TensorSignature
    {
        guard let x = context.dimensions(0) else { return TensorSignature(type, nil) }
        guard x.count >= 3 else { throw context.fail("input must have rank 3 or more, got \(x.count)") }
        let w = context.dimensions(weight)
        if let w, w.count != x.count {
            throw context.fail(
                "weight \(ShapeRuleContext.text(w)) and input \(ShapeRuleContext.text(x)) differ in rank")
        }
        let group = try context.int("group", default: 1)
        guard group > 0 else { throw context.fail("group \(group) must be positive") }
        if let w, let channels = x[1].value, let perGroup = w[1].value {
            // Both numbers come from the file: their product may overflow.
            let (expected, overflow) = perGroup.multipliedReportingOverflow(by: group)
            if overflow || channels != expected {
                throw context.fail(
                    "input has \(channels) channels but weight \(ShapeRuleContext.text(w)) with group \(group) does "
                        + "not fit it")
            }
        }
        let kernel = try kernelShape(context, spatialRank: x.count - 2, weight: w.map { Array($0.dropFirst(2)) })
        let spatial = try windowOutputs(context, input: Array(x.dropFirst(2)), kernel: kernel, ceilMode: false)
        return TensorSignature(type, [x[0], w?[0] ?? .unknown] + spatial)
    }

    private static func transposedConvolution(_ context: ShapeRuleContext) throws -> TensorSignature {
        let type = context.elementType(0)
        guard let x = context.dimensions(0) else { return TensorSignature(type, nil) }
        guard x.count >= 3 else { throw context.fail("input must have rank 3 or more, got \(x.count)") }
        let rank = x.count - 2
        let w = context.dimensions(1)
        if let w, w.count != x.count {
            throw context.fail(
                "weight \(ShapeRuleContext.text(w)) and input \(ShapeRuleContext.text(x)) differ in rank")
        }
        let group = try context.int("group", default: 1)
        guard group > 0 else { throw context.fail("group \(group) must be positive") }
        let channels = w.map { DimensionMath.multiply($0[1], .known(group)) } ?? .unknown
        if let outputShape = try context.ints("output_shape") {
            guard outputShape.count >= rank else { throw context.fail("output_shape has fewer than \(rank) entries") }
            return TensorSignature(type, [x[0], channels] + outputShape.suffix(rank).map { .known($0) })
        }
        let kernel = try kernelShape(context, spatialRank: rank, weight: w.map { Array($0.dropFirst(2)) })
        let strides = try context.ints("strides") ?? Array(repeating: 1, count: rank)
        let dilations = try context.ints("dilations") ?? Array(repeating: 1, count: rank)
        let outputPadding = try context.ints("output_padding") ?? Array(repeating: 0, count: rank)
        let pads = try context.ints("pads") ?? Array(repeating: 0, count: 2 * rank)
        guard strides.count == rank, dilations.count == rank, outputPadding.count == rank, pads.count == 2 * rank
        else { throw context.fail("strides, dilations, output_padding or pads do not match \(rank) spatial axes") }
        try checkWindowAttributes(
            context, kernel: kernel ?? [], strides: strides, dilations: dilations, pads: pads + outputPadding)
        let autoPad = try context.string("auto_pad", default: "NOTSET")
        var spatial: [Dimension] = []
        for axis in 0..<rank {
            guard let size = x[axis + 2].value, DimensionMath.isTractable(size), let k = kernel?[axis] else {
                spatial.append(.unknown)
                continue
            }
            if autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
                spatial.append(.known(size * strides[axis]))
                continue
            }
            let padTotal = autoPad == "VALID" ? 0 : pads[axis] + pads[axis + rank]
            let span = (k - 1) * dilations[axis] + 1
            spatial.append(.known(strides[axis] * (size - 1) + outputPadding[axis] + span - padTotal))
        }
        return TensorSignature(type, [x[0], channels] + spatial)
    }

    private static func pool(_ context: ShapeRuleContext) throws -> TensorSignature {
        let type = context.elementType(0)
        guard let x = context.dimensions(0) else { return TensorSignature(type, nil) }
        guard x.count >= 3 else { throw context.fail("input must have rank 3 or more, got \(x.count)") }
        guard let kernel = try context.ints("kernel_shape") else { throw context.fail("kernel_shape is missing") }
        let ceilMode = try context.int("ceil_mode", default: 0) != 0
        let spatial = try windowOutputs(context, input: Array(x.dropFirst(2)), kernel: kernel, ceilMode: ceilMode)
        return TensorSignature(type, Array(x.prefix(2)) + spatial)
    }

    /// `kernel_shape`, else the weight's spatial sizes when they are all known.
    private static func kernelShape(_ context: ShapeRuleContext, spatialRank: Int, weight: [Dimension]?) throws
        -> [Int64]?
    {
        if let kernel = try context.ints("kernel_shape") {
            guard kernel.count == spatialRank else {
                throw context.fail("kernel_shape has \(kernel.count) entries for \(spatialRank) spatial axes")
            }
            return kernel
        }
        guard let weight else { return nil }
        let sizes = weight.compactMap(\.value)
        return sizes.count == weight.count ? sizes : nil
    }

    /// The output size of each spatial axis; the last window must start inside the input or its left padding.
    private static func windowOutputs(
        _ context: ShapeRuleContext, input: [Dimension], kernel: [Int64]?, ceilMode: Bool
    ) throws -> [Dimension] {
        let rank = input.count
        guard let kernel else { return Array(repeating: .unknown, count: rank) }
        guard kernel.count == rank else {
            throw context.fail("kernel has \(kernel.count) entries for \(rank) spatial axes")
        }
        let strides = try context.ints("strides") ?? Array(repeating: 1, count: rank)
        let dilations = try context.ints("dilations") ?? Array(repeating: 1, count: rank)
        let pads = try context.ints("pads") ?? Array(repeating: 0, count: 2 * rank)
        guard strides.count == rank, dilations.count == rank, pads.count == 2 * rank else {
            throw context.fail("strides, dilations or pads do not match \(rank) spatial axes")
        }
        try checkWindowAttributes(context, kernel: kernel, strides: strides, dilations: dilations, pads: pads)
        let autoPad = try context.string("auto_pad", default: "NOTSET")
        return try (0..<rank).map { axis in
            let span = (kernel[axis] - 1) * dilations[axis] + 1
            let stride = strides[axis]
            guard let size = input[axis].value, DimensionMath.isTractable(size) else {
                return span == 1 && stride == 1 && (autoPad != "NOTSET" || pads[axis] + pads[axis + rank] == 0)
                    ? input[axis] : .unknown
            }
            switch autoPad {
            case "SAME_UPPER", "SAME_LOWER":
                return .known((size + stride - 1) / stride)
            case "VALID":
                return .known(max(0, (size - span) / stride + 1))
            case "NOTSET":
                let padded = size + pads[axis] + pads[axis + rank] - span
                guard padded >= 0 else {
                    throw context.fail(
                        "the window (span \(span)) is larger than the padded input on spatial axis \(axis)")
                }
                guard ceilMode else { return .known(padded / stride + 1) }
                var count = (padded + stride - 1) / stride + 1
                if (count - 1) * stride >= size + pads[axis] { count -= 1 }
                return .known(count)
            default:
                throw context.fail("auto_pad '\(autoPad)' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID")
            }
        }
    }

    /// Rejects window attributes that are not positive (kernel, strides, dilations) or that are absurdly large,
    /// so the size arithmetic cannot overflow.
    private static func checkWindowAttributes(
        _ context: ShapeRuleContext, kernel: [Int64], strides: [Int64], dilations: [Int64], pads: [Int64]
    ) throws {
        let limit = Int64(1) << 32
        guard (kernel + strides + dilations).allSatisfy({ $0 > 0 && $0 <= limit }) else {
            throw context.fail("kernel, strides and dilations must be positive (and below 2^32)")
        }
        guard pads.allSatisfy({ $0 >= -limit && $0 <= limit }) else { throw context.fail("pads are out of range") }
    }
}
