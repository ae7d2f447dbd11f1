import OnnxInterpreter

/// `A · B` for float32 matrices, through BLAS exactly as the interpreter's MatMul computes it.
struct MatrixProduct {
    /// The `[rows, columns]` product of row-major `a` (`[rows, inner]`) and `b` (`[inner, columns]`).
    func multiply(_ a: [Float], _ b: [Float], rows: Int, inner: Int, columns: Int) throws -> [Float] {
        try Blas.multiply(a, b, rows: rows, inner: inner, columns: columns)
    }
}
