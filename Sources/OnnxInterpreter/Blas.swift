import CBLAS

/// Row-major GEMM through OpenBLAS: `C = alpha * op(A) * op(B) + beta * C`.
enum Blas {
    /// Single precision; dimensions above Int32.max are refused rather than truncated.
    static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) throws {
        guard m > 0, n > 0 else { return }
        try checkSizes(m, n, k, lda, ldb, ldc)
        if k == 0 {
            scale(c, rows: m, columns: n, ldc: ldc, by: beta)
            return
        }
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m),
            Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Double precision.
    static func dgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>,
        lda: Int, b: UnsafePointer<Double>, ldb: Int, beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) throws {
        guard m > 0, n > 0 else { return }
        try checkSizes(m, n, k, lda, ldb, ldc)
        if k == 0 {
            for row in 0..<m { for column in 0..<n { c[row * ldc + column] *= beta } }
            return
        }
        cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m),
            Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    private static func scale(_ c: UnsafeMutablePointer<Float>, rows: Int, columns: Int, ldc: Int, by beta: Float) {
        for row in 0..<rows {
            for column in 0..<columns { c[row * ldc + column] = beta == 0 ? 0 : c[row * ldc + column] * beta }
        }
    }

    private static func checkSizes(_ sizes: Int...) throws {
        guard sizes.allSatisfy({ $0 >= 0 && $0 <= Int(Int32.max) }) else {
            throw KernelError.unsupported("matrix dimensions \(sizes) exceed what BLAS takes")
        }
    }
}
