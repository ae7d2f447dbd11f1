import OnnxIR

/// Operators that make tensors or change element types: Shape, Size, Cast, Constant, ConstantOfShape, Range.
extension ShapeRules {
    static func registerCreation(into table: inout [String: Rule]) {
        table["Shape"] = { context in
            guard let rank = context.rank(0) else { return [TensorSignature(.int64, [.unknown])] }
            let range = try shapeRange(context, rank: rank)
            return [TensorSignature(.int64, [.known(Int64(range.count))])]
        }
        table["Size"] = { _ in [TensorSignature(.int64, [])] }
        table["Cast"] = { context in
            guard let to = context.node.attribute("to") else { throw context.fail("attribute 'to' is missing") }
            // Before opset 6 `to` named the type ("FLOAT"); since then it is the type's number.
            return [TensorSignature(castTarget(to), context.dimensions(0))]
        }
        table["CastLike"] = { context in [TensorSignature(context.elementType(1), context.dimensions(0))] }
        table["Constant"] = { context in
            guard let tensor = ConstantData.tensor(ofConstantNode: context.node) else {
                return [try constantOfOtherKinds(context)]
            }
            return [TensorSignature(tensor.dataType, tensor.dims.map { .known($0) })]
        }
        table["ConstantOfShape"] = { context in
            let type = context.node.attribute("value")?.tensor?.dataType ?? .float
            return [TensorSignature(type, try context.contents(0) ?? unknownDimensions(fromShapeInput: 0, context))]
        }
        table["Range"] = { context in [TensorSignature(context.elementType(0), [try rangeLength(context)])] }
        table["EyeLike"] = { context in
            let type = try context.optionalInt("dtype").map { DataType(rawValue: Int32(clamping: $0)) }
            return [TensorSignature(type ?? context.elementType(0), context.dimensions(0))]
        }
        for op in ["RandomNormal", "RandomUniform"] {
            table[op] = { context in
                let type = DataType(rawValue: Int32(clamping: try context.int("dtype", default: 1)))
                return [TensorSignature(type, try context.ints("shape")?.map { .known($0) })]
            }
        }
        for op in ["RandomNormalLike", "RandomUniformLike", "Bernoulli"] {
            table[op] = { context in
                let type = try context.optionalInt("dtype").map { DataType(rawValue: Int32(clamping: $0)) }
                return [TensorSignature(type ?? context.elementType(0), context.dimensions(0))]
            }
        }
    }

    /// The axes Shape reports: `start` and `end` (opset 15) clamped to the rank.
    static func shapeRange(_ context: ShapeRuleContext, rank: Int) throws -> Range<Int> {
        func clamp(_ value: Int64) -> Int {
            let resolved = value < 0 ? value + Int64(rank) : value
            return Int(min(max(resolved, 0), Int64(rank)))
        }
        let start = clamp(try context.int("start", default: 0))
        let end = clamp(try context.int("end", default: Int64(rank)))
        return start..<max(start, end)
    }

    private static func constantOfOtherKinds(_ context: ShapeRuleContext) throws -> TensorSignature? {
        guard let attribute = context.node.attributes.first else { throw context.fail("Constant has no value") }
        switch attribute.value {
        case .string: return TensorSignature(.string, [])
        case .strings(let values): return TensorSignature(.string, [.known(Int64(values.count))])
        case .sparseTensor(let sparse): return TensorSignature(sparse.values?.dataType, sparse.dims.map { .known($0) })
        default: return nil
        }
    }

    private static func rangeLength(_ context: ShapeRuleContext) throws -> Dimension {
        func scalar(_ index: Int) -> Double? {
            context.numbers(index)?.first ?? context.integers(index)?.first.map(Double.init)
        }
        guard let start = scalar(0), let delta = scalar(2) else { return .unknown }
        guard delta != 0 else { throw context.fail("delta is 0") }
        guard let limit = scalar(1) else {
            // range(0, N, 1) has N elements even when N is only known by name.
            let limit = context.contents(1)?.first ?? .unknown
            return start == 0 && delta == 1 && context.contents(1)?.count == 1 ? limit : .unknown
        }
        return DimensionMath.known(fromDouble: max(0, ((limit - start) / delta).rounded(.up)))
    }

    /// The element type a Cast's `to` attribute names, or nil when it names none we know.
    private static func castTarget(_ to: Attribute) -> DataType? {
        // Before opset 6 `to` named the type ("FLOAT"); since then it is the type's number.
        if let number = to.int { return DataType(rawValue: Int32(clamping: number)) }
        if let name = to.string { return DataType(name: name.lowercased()) }
        return nil
    }
}
