import OnnxIR

/// MatMul (numpy semantics, batch dimensions broadcast) and Gemm.
extension ShapeRules {
    static func registerLinearAlgebra(into table: inout [String: Rule]) {
        table["MatMul"] = { context in [TensorSignature(context.elementType(0), try matMulDimensions(context))] }
        table["MatMulInteger"] = { context in [TensorSignature(.int32, try matMulDimensions(context))] }
        table["QLinearMatMul"] = { context in
            [TensorSignature(context.elementType(7), try matMulDimensions(context, left: 0, right: 3))]
        }
        table["Gemm"] = gemm
    }

    /// `[..., M, K] x [..., K, N] -> [..., M, N]`, with 1-D operands promoted and their axis dropped again.
    static func matMulDimensions(_ context: ShapeRuleContext, left: Int = 0, right: Int = 1) throws -> [Dimension]? {
        guard var a = context.dimensions(left), var b = context.dimensions(right), !a.isEmpty, !b.isEmpty else {
            return nil
        }
        let leftIsVector = a.count == 1
        let rightIsVector = b.count == 1
        if leftIsVector { a.insert(.known(1), at: 0) }
        if rightIsVector { b.append(.known(1)) }
        let inner = (a[a.count - 1], b[b.count - 2])
        if DimensionMath.provablyDifferent(inner.0, inner.1) {
            throw context.fail(
                "cannot multiply \(ShapeRuleContext.text(a)) by \(ShapeRuleContext.text(b)): inner dimensions differ")
        }
        guard let batch = DimensionMath.broadcast([Array(a.dropLast(2)), Array(b.dropLast(2))]) else {
            throw context.fail(
                "cannot broadcast the batch dimensions of \(ShapeRuleContext.text(a)) and \(ShapeRuleContext.text(b))")
        }
        var result = batch
        if !leftIsVector { result.append(a[a.count - 2]) }
        if !rightIsVector { result.append(b[b.count - 1]) }
        return result
    }

    private static func gemm(_ context: ShapeRuleContext) throws -> [TensorSignature?] {
        let type = context.elementType(0) ?? context.elementType(1)
        guard let a = context.dimensions(0), let b = context.dimensions(1) else { return [TensorSignature(type, nil)] }
        guard a.count == 2, b.count == 2 else { throw context.fail("Gemm needs 2-D A and B") }
        let transA = try context.int("transA", default: 0) != 0
        let transB = try context.int("transB", default: 0) != 0
        let (m, k1) = transA ? (a[1], a[0]) : (a[0], a[1])
        let (k2, n) = transB ? (b[1], b[0]) : (b[0], b[1])
        if DimensionMath.provablyDifferent(k1, k2) {
            throw context.fail(
                "cannot multiply \(ShapeRuleContext.text(a)) by \(ShapeRuleContext.text(b)) (transA \(transA ? 1 : 0), "
                    + "transB \(transB ? 1 : 0)): inner dimensions differ")
        }
        var dimensions = [m, n]
        if let c = context.dimensions(2), c.count <= 2 {
            // C broadcasts to [M, N] one way only, so it can only tell a size that is 1 in [M, N].
            let aligned = [Dimension](repeating: .known(1), count: 2 - c.count) + c
            for axis in 0..<2
            where aligned[axis].value != 1 && DimensionMath.provablyDifferent(aligned[axis], dimensions[axis]) {
                throw context.fail("C \(ShapeRuleContext.text(c)) does not broadcast to [\(m),\(n)]")
            }
            for axis in 0..<2 where dimensions[axis].kind == .unknown && (aligned[axis].value ?? 1) != 1 {
                dimensions[axis] = aligned[axis]
            }
        }
        return [TensorSignature(type, dimensions)]
    }
}
