import CBLAS

/// Cholesky factorization and inversion of symmetric positive-definite matrices through LAPACK
/// (`dpotrf`, `dpotri` of OpenBLAS), for weight algorithms such as GPTQ.
public enum Cholesky {
    /// The upper-triangular `U` with `a = Uᵀ·U`, row-major `[n, n]`, its lower triangle zero; nil when `a`
    /// (symmetric, row-major) is not positive definite.
    public static func upperFactor(_ a: [Double], n: Int) throws -> [Double]? {
        try checkSquare(a, n: n)
        var factor = a
        // A symmetric row-major matrix is its own column-major image; LAPACK's lower factor L, read back
        // row-major, is Lᵀ = U.
        guard try potrf(&factor, n: n) else { return nil }
        clearBelowDiagonal(&factor, n: n)
        return factor
    }

    /// The inverse of a symmetric positive-definite `a` (row-major `[n, n]`), nil when it is not positive definite.
    public static func inverse(_ a: [Double], n: Int) throws -> [Double]? {
        try checkSquare(a, n: n)
        var inverse = a
        guard try potrf(&inverse, n: n) else { return nil }
        var info: Int32 = 0
        var order = Int32(n)
        var lda = Int32(max(1, n))
        var uplo = CChar(UInt8(ascii: "L"))
        dpotri_(&uplo, &order, &inverse, &lda, &info)
        guard info == 0 else { return nil }
        // dpotri fills one triangle (the upper one, row-major); mirror it.
        for row in 0..<n {
            for column in 0..<row { inverse[row * n + column] = inverse[column * n + row] }
        }
        return inverse
    }

    private static func potrf(_ a: inout [Double], n: Int) throws -> Bool {
        var info: Int32 = 0
        var order = Int32(n)
        var lda = Int32(max(1, n))
        var uplo = CChar(UInt8(ascii: "L"))
        dpotrf_(&uplo, &order, &a, &lda, &info)
        return info == 0
    }

    private static func clearBelowDiagonal(_ a: inout [Double], n: Int) {
        for row in 0..<n {
            for column in 0..<row { a[row * n + column] = 0 }
        }
    }

    private static func checkSquare(_ a: [Double], n: Int) throws {
        guard n > 0, n <= Int(Int32.max), a.count == n * n else {
            throw KernelError.invalid("Cholesky of \(a.count) elements as a [\(n), \(n)] matrix")
        }
    }
}
