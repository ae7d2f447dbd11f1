import OnnxIR

/// The elements of small integer tensors that hold shapes, followed through the ops that build shapes.
///
/// `Shape(x)` of an `x` typed `[N,S,384]` holds `N, S, 384`; Gather, Slice,
/// Concat, Unsqueeze, Squeeze, Reshape, Cast and integer arithmetic keep
/// what they can, so a Reshape whose target is assembled from Shape ops still
/// gets named dimensions.
enum ShapeContents {
    /// Tensors with more elements than this are not followed.
    static let elementLimit = 64

    /// The elements of a constant integer tensor of rank 0 or 1, if small enough.
    static func contents(ofConstant tensor: Tensor) -> [Dimension]? {
        guard tensor.dims.count <= 1, (ConstantData.elementCount(tensor) ?? Int.max) <= elementLimit,
            tensor.dataType.isInteger,
            let values = ConstantData.int64s(tensor)
        else { return nil }
        return values.map { .known($0) }
    }

    /// The elements of output 0 of the context's node, when they can be followed.
    static func contents(_ context: ShapeRuleContext) throws -> [Dimension]? {
        let node = context.node
        guard OnnxIR.OpsetImport.isDefaultDomain(node.domain) else { return nil }
        switch node.opType {
        case "Shape":
            guard let dimensions = context.dimensions(0) else { return nil }
            return Array(dimensions[try ShapeRules.shapeRange(context, rank: dimensions.count)])
        case "Size":
            return context.dimensions(0).map { [DimensionMath.product($0)] }
        case "Identity", "Unsqueeze", "Squeeze", "Reshape", "Flatten":
            return context.contents(0)
        case "Cast":
            guard let to = node.attribute("to")?.int else { return nil }
            return DataType(rawValue: Int32(clamping: to)).isInteger ? context.contents(0) : nil
        case "Concat":
            var result: [Dimension] = []
            for index in node.inputs.indices {
                guard let part = context.contents(index) else { return nil }
                result += part
            }
            return result.count <= elementLimit ? result : nil
        case "Gather":
            return try gather(context)
        case "Slice":
            return try slice(context)
        case "Add", "Sub", "Mul", "Div":
            return arithmetic(context)
        case "ConstantOfShape":
            guard let sizes = context.integers(0), sizes.count <= 1,
                let value = context.node.attribute("value")?.tensor,
                value.dataType.isInteger, let fill = ConstantData.int64s(value)?.first
            else { return nil }
            guard sizes.allSatisfy({ $0 >= 0 && $0 <= Int64(elementLimit) }) else { return nil }
            let count = sizes.reduce(1, *)
            return count <= Int64(elementLimit) ? Array(repeating: .known(fill), count: Int(count)) : nil
        default:
            return nil
        }
    }

    private static func gather(_ context: ShapeRuleContext) throws -> [Dimension]? {
        guard let data = context.contents(0), let indices = context.integers(1),
            try context.int("axis", default: 0) == 0, (context.rank(0) ?? 1) <= 1
        else { return nil }
        var result: [Dimension] = []
        for index in indices {
            let resolved = index < 0 ? index + Int64(data.count) : index
            guard resolved >= 0, resolved < Int64(data.count) else {
                throw context.fail("index \(index) is out of range for \(data.count) elements")
            }
            result.append(data[Int(resolved)])
        }
        return result
    }

    private static func slice(_ context: ShapeRuleContext) throws -> [Dimension]? {
        guard let data = context.contents(0), (context.rank(0) ?? 1) == 1 else { return nil }
        let starts = try context.ints("starts") ?? context.integers(1)
        let ends = try context.ints("ends") ?? context.integers(2)
        let axes = try context.ints("axes") ?? (context.hasInput(3) ? context.integers(3) : [0])
        let steps = context.hasInput(4) ? context.integers(4) : [1]
        guard let start = starts?.first, let end = ends?.first, starts?.count == 1, let axes,
            axes == [0] || axes == [-1],
            let step = steps?.first, steps?.count == 1, step != 0
        else { return nil }
        let count = Int64(data.count)
        func resolve(_ index: Int64) -> Int64 { index < 0 ? index.addingReportingOverflow(count).partialValue : index }
        var result: [Dimension] = []
        if step > 0 {
            var position = min(max(resolve(start), 0), count)
            let last = min(max(resolve(end), 0), count)
            while position < last {
                result.append(data[Int(position)])
                let (next, overflow) = position.addingReportingOverflow(step)
                if overflow { break }
                position = next
            }
        } else {
            var position = min(max(resolve(start), -1), count - 1)
            let last = min(max(resolve(end), -1), count - 1)
            while position > last {
                result.append(data[Int(position)])
                let (next, overflow) = position.addingReportingOverflow(step)
                if overflow { break }
                position = next
            }
        }
        return result
    }

    private static func arithmetic(_ context: ShapeRuleContext) -> [Dimension]? {
        guard let type = context.elementType(0), type.isInteger, let left = context.contents(0),
            let right = context.contents(1), left.count == right.count || left.count == 1 || right.count == 1
        else { return nil }
        let count = max(left.count, right.count)
        return (0..<count).map { index in
            let a = left[left.count == 1 ? 0 : index]
            let b = right[right.count == 1 ? 0 : index]
            switch context.node.opType {
            case "Add": return DimensionMath.add(a, b)
            case "Mul": return DimensionMath.multiply(a, b)
            case "Sub":
                if let x = a.value, let y = b.value { return .known(x.subtractingReportingOverflow(y).partialValue) }
                return b.value == 0 ? a : .unknown
            default:
                if let x = a.value, let y = b.value, y > 0 { return .known(x / y) }
                return b.value == 1 ? a : .unknown
            }
        }
    }
}
