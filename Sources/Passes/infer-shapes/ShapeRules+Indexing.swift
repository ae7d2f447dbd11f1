import OnnxIR

/// Operators that select elements or axes: Slice, Gather*, Unsqueeze, Squeeze, OneHot, NonZero.
extension ShapeRules {
    static func registerIndexing(into table: inout [String: Rule]) {
        table["Slice"] = { context in [TensorSignature(context.elementType(0), try slice(context))] }
        table["Gather"] = { context in [TensorSignature(context.elementType(0), try gather(context))] }
        table["GatherElements"] = { context in [TensorSignature(context.elementType(0), context.dimensions(1))] }
        table["GatherND"] = { context in [TensorSignature(context.elementType(0), try gatherND(context))] }
        table["Unsqueeze"] = { context in [TensorSignature(context.elementType(0), try unsqueeze(context))] }
        table["Squeeze"] = { context in [TensorSignature(context.elementType(0), try squeeze(context))] }
        table["OneHot"] = { context in [TensorSignature(context.elementType(2), try oneHot(context))] }
        table["NonZero"] = { context in
            [TensorSignature(.int64, context.rank(0).map { [.known(Int64($0)), .unknown] })]
        }
        table["Compress"] = { context in
            let rank = context.rank(0)
            let axis = try context.optionalInt("axis")
            let dimensions: [Dimension]? =
                axis == nil
                ? [.unknown]
                : try rank.map { rank in
                    var dimensions = context.dimensions(0) ?? []
                    dimensions[try context.axis(axis ?? 0, rank: rank)] = .unknown
                    return dimensions
                }
            return [TensorSignature(context.elementType(0), dimensions)]
        }
    }

    /// The axes of Unsqueeze, Squeeze or a reduction: the attribute (older opsets) or input 1 (newer ones).
    ///
    /// Returns `.some(nil)` when the axes are given but not constant.
    static func axesOperand(_ context: ShapeRuleContext, input index: Int = 1) throws -> [Int64]?? {
        if let attribute = try context.ints("axes") { return .some(attribute) }
        guard context.hasInput(index) else { return .none }
        return .some(context.integers(index))
    }

    private static func slice(_ context: ShapeRuleContext) throws -> [Dimension]? {
        guard let input = context.dimensions(0) else { return nil }
        let rank = input.count
        let starts: [Int64]?
        let ends: [Int64]?
        var axes: [Int64]?
        var steps: [Int64]?
        if context.opset < 10 || context.node.attribute("starts") != nil {
            starts = try context.ints("starts")
            ends = try context.ints("ends")
            axes = try context.ints("axes")
        } else {
            starts = context.integers(1)
            ends = context.integers(2)
            axes = context.hasInput(3) ? context.integers(3) : nil
            steps = context.hasInput(4) ? context.integers(4) : nil
            if (context.hasInput(3) && axes == nil) || (context.hasInput(4) && steps == nil) {
                return input.map { _ in .unknown }
            }
        }
        guard let starts, let ends else {
            guard let axes else { return input.map { _ in .unknown } }
            var output = input
            for axis in axes { output[try context.axis(axis, rank: rank)] = .unknown }
            return output
        }
        guard starts.count == ends.count else { throw context.fail("starts and ends differ in length") }
        let resolvedAxes = try (axes ?? (0..<Int64(starts.count)).map { $0 }).map { try context.axis($0, rank: rank) }
        let resolvedSteps = steps ?? Array(repeating: 1, count: starts.count)
        guard resolvedAxes.count == starts.count, resolvedSteps.count == starts.count else {
            throw context.fail("starts, ends, axes and steps differ in length")
        }
        var output = input
        for position in 0..<starts.count {
            let step = resolvedSteps[position]
            guard step != 0 else { throw context.fail("a step is 0") }
            let axis = resolvedAxes[position]
            output[axis] = slicedLength(
                input[axis], start: starts[position], end: ends[position], step: step)
        }
        return output
    }

    /// How many elements `start:end:step` selects from an axis of `dimension` elements, clamped as Slice does.
    static func slicedLength(_ dimension: Dimension, start: Int64, end: Int64, step: Int64) -> Dimension {
        guard let size = dimension.value else {
            // Unknown size: only the whole axis is certain.
            let wholeAxis = step == 1 && start == 0 && end >= Int64(Int32.max)
            return wholeAxis ? dimension : .unknown
        }
        func resolve(_ index: Int64) -> Int64 { index < 0 ? index.addingReportingOverflow(size).partialValue : index }
        var first = resolve(start)
        var last = resolve(end)
        if step > 0 {
            first = min(max(first, 0), size)
            last = min(max(last, 0), size)
            return .known(last > first ? Int64((UInt64(last - first) - 1) / step.magnitude + 1) : 0)
        }
        first = min(max(first, -1), size - 1)
        last = min(max(last, -1), size - 1)
        return .known(first > last ? Int64((UInt64(first - last) - 1) / step.magnitude + 1) : 0)
    }

    private static func gather(_ context: ShapeRuleContext) throws -> [Dimension]? {
        guard let data = context.dimensions(0), let indices = context.dimensions(1) else { return nil }
        let axis = try context.axis(try context.int("axis", default: 0), rank: data.count)
        return Array(data[..<axis]) + indices + Array(data[(axis + 1)...])
    }

    private static func gatherND(_ context: ShapeRuleContext) throws -> [Dimension]? {
        guard let data = context.dimensions(0), let indices = context.dimensions(1), let last = indices.last,
            let depth = last.value
        else { return nil }
        let batch = try context.int("batch_dims", default: 0)
        guard batch >= 0, depth >= 0, batch <= Int64(data.count), depth <= Int64(data.count) - batch else {
            throw context.fail("indices reach \(depth) axes past \(batch) batch axes of rank \(data.count)")
        }
        return Array(indices.dropLast()) + Array(data[Int(batch + depth)...])
    }

    private static func unsqueeze(_ context: ShapeRuleContext) throws -> [Dimension]? {
        guard let input = context.dimensions(0) else { return nil }
        guard let operand = try axesOperand(context) else { throw context.fail("axes are missing") }
        guard let axes = operand else { return nil }
        let rank = input.count + axes.count
        let positions = try Set(axes.map { try context.axis($0, rank: rank, name: "axis") })
        guard positions.count == axes.count else { throw context.fail("axes \(axes) repeat an axis") }
        var remaining = input.makeIterator()
        return (0..<rank).map { positions.contains($0) ? .known(1) : (remaining.next() ?? .unknown) }
    }

    private static func squeeze(_ context: ShapeRuleContext) throws -> [Dimension]? {
        guard let input = context.dimensions(0) else { return nil }
        guard let operand = try axesOperand(context) else {
            guard input.allSatisfy({ $0.value != nil }) else { return nil }
            return input.filter { $0.value != 1 }
        }
        guard let axes = operand else { return nil }
        let positions = try Set(axes.map { try context.axis($0, rank: input.count) })
        for position in positions {
            if let size = input[position].value, size != 1 {
                throw context.fail("cannot squeeze axis \(position) of \(ShapeRuleContext.text(input)): it is not 1")
            }
        }
        return input.enumerated().filter { !positions.contains($0.offset) }.map(\.element)
    }

    private static func oneHot(_ context: ShapeRuleContext) throws -> [Dimension]? {
        guard let indices = context.dimensions(0) else { return nil }
        let rank = indices.count + 1
        let axis = try context.axis(try context.int("axis", default: -1), rank: rank)
        let depth: Dimension = context.numbers(1)?.first.map(DimensionMath.known(fromDouble:)) ?? .unknown
        var output = indices
        output.insert(depth, at: axis)
        return output
    }
}
