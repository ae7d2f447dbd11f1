import OnnxIR

/// Operators that move or repeat elements: Reshape, Transpose, Concat, Split, Flatten, Expand, Tile, Pad, Resize.
extension ShapeRules {
    static func registerMovement(into table: inout [String: Rule]) {
        table["Reshape"] = { context in [TensorSignature(context.elementType(0), try reshape(context))] }
        table["Transpose"] = { context in [TensorSignature(context.elementType(0), try transpose(context))] }
        table["Concat"] = concat
        table["Split"] = split
        table["Flatten"] = { context in [TensorSignature(context.elementType(0), try flatten(context))] }
        table["Expand"] = { context in [TensorSignature(context.elementType(0), try expand(context))] }
        table["Tile"] = { context in [TensorSignature(context.elementType(0), try tile(context))] }
        table["Pad"] = { context in [TensorSignature(context.elementType(0), try pad(context))] }
        table["Resize"] = { context in [TensorSignature(context.elementType(0), try resize(context))] }
        table["Upsample"] = { context in [TensorSignature(context.elementType(0), try resize(context))] }
        table["DepthToSpace"] = { context in [TensorSignature(context.elementType(0), try depthToSpace(context))] }
        table["SpaceToDepth"] = { context in [TensorSignature(context.elementType(0), try spaceToDepth(context))] }
    }

    /// The rank a shape-like input (a 1-D tensor of `k` elements) implies, with every size unknown.
    ///
    /// `k` comes from the input's declared type, which a file may set to anything: a rank above
    /// `maximumRank` (or a negative `k`) is an error naming the input, never an allocation of `k` entries.
    static func unknownDimensions(fromShapeInput index: Int, _ context: ShapeRuleContext) throws -> [Dimension]? {
        guard let dimensions = context.dimensions(index), dimensions.count == 1, let count = dimensions[0].value else {
            return nil
        }
        guard count >= 0, count <= Int64(maximumRank) else {
            let name = context.node.inputs[index]?.name ?? "input \(index)"
            throw context.fail(
                "shape input '\(name)' is declared with \(count) elements, a rank outside 0...\(maximumRank)")
        }
        return Array(repeating: .unknown, count: Int(count))
    }

    private static func reshape(_ context: ShapeRuleContext) throws -> [Dimension]? {
        let input = context.dimensions(0)
        guard let target = context.contents(1) else { return try unknownDimensions(fromShapeInput: 1, context) }
        let allowZero = try context.int("allowzero", default: 0) != 0
        var output: [Dimension] = []
        var inferredAxis: Int?
        for (axis, entry) in target.enumerated() {
            switch entry.value {
            case 0 where !allowZero:
                guard let input else {
                    output.append(.unknown)
                    continue
                }
                guard axis < input.count else {
                    throw context.fail(
                        "shape entry \(axis) is 0 but the input \(ShapeRuleContext.text(input)) has no axis \(axis)")
                }
                output.append(input[axis])
            case -1:
                guard inferredAxis == nil else { throw context.fail("the shape has more than one -1") }
                inferredAxis = axis
                output.append(.unknown)
            case let value? where value < -1:
                throw context.fail("shape entry \(value) is invalid")
            default:
                output.append(entry)
            }
        }
        if let inferredAxis {
            var others = output
            others.remove(at: inferredAxis)
            if let input, let total = DimensionMath.product(input).value,
                let rest = DimensionMath.product(others).value, rest > 0, total % rest != 0
            {
                throw context.fail("cannot reshape \(ShapeRuleContext.text(input)) to \(target)")
            }
            output[inferredAxis] = input.map { SymbolicProduct.quotient(of: $0, by: others) } ?? .unknown
        }
        if let input, let total = DimensionMath.product(input).value, let result = DimensionMath.product(output).value,
            total != result
        {
            throw context.fail("cannot reshape \(ShapeRuleContext.text(input)) to \(ShapeRuleContext.text(output))")
        }
        return output
    }

    private static func transpose(_ context: ShapeRuleContext) throws -> [Dimension]? {
        guard let input = context.dimensions(0) else { return nil }
        guard let perm = try context.ints("perm") else { return input.reversed() }
        guard perm.count == input.count, Set(perm) == Set((0..<Int64(input.count)).map { $0 }) else {
            throw context.fail("perm \(perm) is not a permutation of \(input.count) axes")
        }
        return perm.map { input[Int($0)] }
    }

    private static func concat(_ context: ShapeRuleContext) throws -> [TensorSignature?] {
        let indices = Array(context.node.inputs.indices).filter(context.hasInput)
        let type = indices.lazy.compactMap(context.elementType).first
        guard let axisAttribute = try context.optionalInt("axis") else { throw context.fail("axis is missing") }
        guard let rank = indices.lazy.compactMap(context.rank).first else { return [TensorSignature(type, nil)] }
        let axis = try context.axis(axisAttribute, rank: rank)
        var output: [Dimension]?
        var total: Dimension = .known(0)
        for index in indices {
            guard let dimensions = context.dimensions(index) else {
                total = .unknown
                continue
            }
            guard dimensions.count == rank else {
                throw context.fail("inputs differ in rank (\(rank) and \(dimensions.count))")
            }
            total = DimensionMath.add(total, dimensions[axis])
            guard var merged = output else {
                output = dimensions
                continue
            }
            for position in 0..<rank where position != axis {
                guard let dimension = DimensionMath.merge(merged[position], dimensions[position]) else {
                    throw context.fail(
                        "inputs \(ShapeRuleContext.text(merged)) and \(ShapeRuleContext.text(dimensions)) differ "
                            + "on axis \(position)")
                }
                merged[position] = dimension
            }
            output = merged
        }
        output?[axis] = total
        return [TensorSignature(type, output)]
    }

    private static func split(_ context: ShapeRuleContext) throws -> [TensorSignature?] {
        let type = context.elementType(0)
        let count = context.node.outputs.count
        guard let input = context.dimensions(0) else {
            return Array(repeating: TensorSignature(type, nil), count: count)
        }
        let axis = try context.axis(try context.int("axis", default: 0), rank: input.count)
        let sizes: [Dimension]
        if let given = try context.ints("split") ?? (context.hasInput(1) ? context.integers(1) : nil) {
            guard given.count == count else {
                throw context.fail("split has \(given.count) entries for \(count) outputs")
            }
            guard given.allSatisfy({ $0 >= 0 }) else { throw context.fail("split \(given) has a negative size") }
            // Sizes come from the file: added with overflow checks, a sum past Int64 is simply wrong.
            if let size = input[axis].value, DimensionMath.checkedSum(given) != size {
                throw context.fail("split \(given) does not add up to \(size)")
            }
            sizes = given.map { .known($0) }
        } else if context.hasInput(1) {
            sizes = Array(repeating: .unknown, count: count)
        } else if let size = input[axis].value {
            let parts = try context.int("num_outputs", default: Int64(count))
            guard parts == Int64(count), parts > 0 else {
                throw context.fail("num_outputs \(parts) but the node has \(count) outputs")
            }
            let chunk = (size + parts - 1) / parts
            if context.node.attribute("num_outputs") == nil, size % parts != 0 {
                throw context.fail("cannot split \(size) into \(parts) equal parts")
            }
            sizes = (0..<parts).map { .known(max(0, min(chunk, size - $0 * chunk))) }
        } else {
            sizes = Array(repeating: .unknown, count: count)
        }
        return sizes.map { size in
            var dimensions = input
            dimensions[axis] = size
            return TensorSignature(type, dimensions)
        }
    }

    private static func flatten(_ context: ShapeRuleContext) throws -> [Dimension]? {
        guard let input = context.dimensions(0) else { return nil }
        let axis = try context.int("axis", default: 1)
        let resolved = axis < 0 ? axis + Int64(input.count) : axis
        guard resolved >= 0, resolved <= Int64(input.count) else {
            throw context.fail("axis \(axis) is out of range for rank \(input.count)")
        }
        let split = Int(resolved)
        return [DimensionMath.product(Array(input[..<split])), DimensionMath.product(Array(input[split...]))]
    }

    private static func expand(_ context: ShapeRuleContext) throws -> [Dimension]? {
        guard let input = context.dimensions(0),
            let target = try context.contents(1) ?? unknownDimensions(fromShapeInput: 1, context)
        else { return nil }
        guard let result = DimensionMath.broadcast([input, target]) else {
            throw context.fail(
                "cannot expand \(ShapeRuleContext.text(input)) to \(ShapeRuleContext.text(target))")
        }
        return result
    }

    private static func tile(_ context: ShapeRuleContext) throws -> [Dimension]? {
        guard let input = context.dimensions(0) else { return nil }
        guard let repeats = context.contents(1) else { return input.map { _ in .unknown } }
        guard repeats.count == input.count else {
            throw context.fail("repeats has \(repeats.count) entries for rank \(input.count)")
        }
        return zip(input, repeats).map { DimensionMath.multiply($0, $1) }
    }

    private static func pad(_ context: ShapeRuleContext) throws -> [Dimension]? {
        guard let input = context.dimensions(0) else { return nil }
        let rank = input.count
        guard let pads = try context.ints("pads") ?? context.integers(1) else { return input.map { _ in .unknown } }
        var axes = (0..<rank).map { $0 }
        if context.hasInput(3) {
            guard let given = context.integers(3) else { return input.map { _ in .unknown } }
            axes = try given.map { try context.axis($0, rank: rank) }
        }
        guard pads.count == 2 * axes.count else {
            throw context.fail("pads has \(pads.count) entries for \(axes.count) axes")
        }
        var output = input
        for (position, axis) in axes.enumerated() {
            let change = pads[position].addingReportingOverflow(pads[position + axes.count]).partialValue
            output[axis] = DimensionMath.add(input[axis], .known(change))
            if let size = output[axis].value, size < 0 {
                throw context.fail("pads \(pads) make axis \(axis) of \(ShapeRuleContext.text(input)) negative")
            }
        }
        return output
    }

    private static func resize(_ context: ShapeRuleContext) throws -> [Dimension]? {
        guard let input = context.dimensions(0) else { return nil }
        let rank = input.count
        var axes = (0..<rank).map { $0 }
        if let given = try context.ints("axes") { axes = try given.map { try context.axis($0, rank: rank) } }
        let isUpsample = context.node.opType == "Upsample"
        let scalesIndex = isUpsample || context.opset < 11 ? 1 : 2
        if !isUpsample, context.opset >= 11, context.hasInput(3) {
            guard let sizes = context.integers(3) else { return input.map { _ in .unknown } }
            guard sizes.count == axes.count else {
                throw context.fail("sizes has \(sizes.count) entries for \(axes.count) axes")
            }
            return try sizedResize(context, input: input, axes: axes, sizes: sizes)
        }
        let given = try context.floats("scales")?.map(Double.init) ?? context.numbers(scalesIndex)
        guard let scales = given, !scales.isEmpty else { return input.map { _ in .unknown } }
        guard scales.count == axes.count else {
            throw context.fail("scales has \(scales.count) entries for \(axes.count) axes")
        }
        if try context.string("coordinate_transformation_mode", default: "") == "tf_crop_and_resize" {
            return input.map { _ in .unknown }
        }
        var output = input
        for (position, axis) in axes.enumerated() {
            let scale = scales[position]
            if scale == 1 { continue }
            // if-let, not `value.map { ... } ?? .unknown`: Swift 6.3.1's release optimizer aborts on
            // that form here ("Found ownership error", docs/architecture.md).
            if let size = input[axis].value {
                output[axis] = DimensionMath.known(fromDouble: (Double(size) * scale).rounded(.down))
            } else {
                output[axis] = .unknown
            }
        }
        return output
    }

    private static func sizedResize(_ context: ShapeRuleContext, input: [Dimension], axes: [Int], sizes: [Int64])
        throws -> [Dimension]
    {
        var output = input
        let policy = try context.string("keep_aspect_ratio_policy", default: "stretch")
        guard policy != "stretch" else {
            for (position, axis) in axes.enumerated() { output[axis] = .known(sizes[position]) }
            return output
        }
        let inputSizes = axes.compactMap { input[$0].value }
        guard inputSizes.count == axes.count else {
            for axis in axes { output[axis] = .unknown }
            return output
        }
        let ratios = zip(sizes, inputSizes).map { Double($0) / Double($1) }
        let scale = (policy == "not_larger" ? ratios.min() : ratios.max()) ?? 1
        for (position, axis) in axes.enumerated() {
            output[axis] = DimensionMath.known(fromDouble: (scale * Double(inputSizes[position])).rounded())
        }
        return output
    }

    private static func depthToSpace(_ context: ShapeRuleContext) throws -> [Dimension]? {
        guard let input = context.dimensions(0) else { return nil }
        guard input.count == 4 else { throw context.fail("input must have rank 4, got \(input.count)") }
        let block = try context.int("blocksize", default: 0)
        guard block > 0, block < 1 << 16 else { throw context.fail("blocksize must be positive") }
        let b = Dimension.known(block)
        return [
            input[0], DimensionMath.divide(input[1], .known(block * block)),
            DimensionMath.multiply(input[2], b), DimensionMath.multiply(input[3], b),
        ]
    }

    private static func spaceToDepth(_ context: ShapeRuleContext) throws -> [Dimension]? {
        guard let input = context.dimensions(0) else { return nil }
        guard input.count == 4 else { throw context.fail("input must have rank 4, got \(input.count)") }
        let block = try context.int("blocksize", default: 0)
        guard block > 0, block < 1 << 16 else { throw context.fail("blocksize must be positive") }
        let b = Dimension.known(block)
        return [
            input[0], DimensionMath.multiply(input[1], .known(block * block)),
            DimensionMath.divide(input[2], b), DimensionMath.divide(input[3], b),
        ]
    }
}
