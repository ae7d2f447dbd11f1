import CBLAS
import Dispatch

/// Row-major GEMM through OpenBLAS: `C = alpha * op(A) * op(B) + beta * C`.
///
/// The interpreter's MatMul, Gemm and convolutions run here, and so may any other module that
/// multiplies matrices (SmoothQuant's alpha search, weight algorithms): no model needs building.
/// OpenBLAS is switched to one thread and large products are split across the cores here:
/// its own worker threads spin (sched_yield) for a long time after each call, which on a
/// two-core machine steals the second core from the elementwise kernels that follow.
public enum Blas {
    /// Multiply-adds below which a product stays on one thread.
    static let parallelThreshold = 1 << 18

    private static let singleThreaded: Void = { openblas_set_num_threads(1) }()

    /// The `[rows, columns]` product of row-major float matrices `a` (`[rows, inner]`) and `b` (`[inner, columns]`).
    ///
    /// Computed exactly as the interpreter's MatMul computes a 2-D product, so results agree bit for bit.
    public static func multiply(_ a: [Float], _ b: [Float], rows: Int, inner: Int, columns: Int) throws -> [Float] {
        guard rows >= 0, inner >= 0, columns >= 0, a.count == rows * inner, b.count == inner * columns else {
            throw KernelError.invalid(
                "matrix product of \(a.count) and \(b.count) elements as [\(rows), \(inner)] · [\(inner), \(columns)]")
        }
        var product = [Float](repeating: 0, count: rows * columns)
        try a.withUnsafeBufferPointer { a in
            try b.withUnsafeBufferPointer { b in
                try product.withUnsafeMutableBufferPointer { c in
                    guard let pa = a.baseAddress, let pb = b.baseAddress, let pc = c.baseAddress else { return }
                    try sgemm(
                        transposeA: false, transposeB: false, m: rows, n: columns, k: inner, alpha: 1, a: pa,
                        lda: inner, b: pb, ldb: columns, beta: 0, c: pc, ldc: columns)
                }
            }
        }
        return product
    }

    /// Single precision; dimensions above Int32.max are refused rather than truncated.
    ///
    /// `splitting: false` keeps the product on the calling thread, for callers that already run
    /// several products at once (a batch of attention heads).
    public static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, splitting: Bool = true
    ) throws {
        guard m > 0, n > 0 else { return }
        try checkSizes(m, n, k, lda, ldb, ldc)
        _ = singleThreaded
        if k == 0 {
            for row in 0..<m {
                for column in 0..<n { c[row * ldc + column] = beta == 0 ? 0 : c[row * ldc + column] * beta }
            }
            return
        }
        // Matrix-vector products: GEMM would pack the whole matrix on every call (an LSTM step).
        if m == 1 {
            cblas_sgemv(
                CblasRowMajor, transposeB ? CblasNoTrans : CblasTrans, Int32(transposeB ? n : k),
                Int32(transposeB ? k : n), alpha, b, Int32(ldb), a, Int32(transposeA ? lda : 1), beta, c, 1)
            return
        }
        if n == 1 {
            cblas_sgemv(
                CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, Int32(transposeA ? k : m),
                Int32(transposeA ? m : k), alpha, a, Int32(lda), b, Int32(transposeB ? 1 : ldb), beta, c, Int32(ldc))
            return
        }
        let orderA = transposeA ? CblasTrans : CblasNoTrans
        let orderB = transposeB ? CblasTrans : CblasNoTrans
        split(m: m, n: n, k: k, allowed: splitting) { rows, columns in
            let pa = transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda
            let pb = transposeB ? b + columns.lowerBound * ldb : b + columns.lowerBound
            cblas_sgemm(
                CblasRowMajor, orderA, orderB, Int32(rows.count), Int32(columns.count), Int32(k), alpha, pa,
                Int32(lda), pb, Int32(ldb), beta, c + rows.lowerBound * ldc + columns.lowerBound, Int32(ldc))
        }
    }

    /// Double precision; dimensions above Int32.max are refused rather than truncated.
    public static func dgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>,
        lda: Int, b: UnsafePointer<Double>, ldb: Int, beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) throws {
        guard m > 0, n > 0 else { return }
        try checkSizes(m, n, k, lda, ldb, ldc)
        _ = singleThreaded
        if k == 0 {
            for row in 0..<m {
                for column in 0..<n { c[row * ldc + column] = beta == 0 ? 0 : c[row * ldc + column] * beta }
            }
            return
        }
        let orderA = transposeA ? CblasTrans : CblasNoTrans
        let orderB = transposeB ? CblasTrans : CblasNoTrans
        split(m: m, n: n, k: k) { rows, columns in
            let pa = transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda
            let pb = transposeB ? b + columns.lowerBound * ldb : b + columns.lowerBound
            cblas_dgemm(
                CblasRowMajor, orderA, orderB, Int32(rows.count), Int32(columns.count), Int32(k), alpha, pa,
                Int32(lda), pb, Int32(ldb), beta, c + rows.lowerBound * ldc + columns.lowerBound, Int32(ldc))
        }
    }

    /// Calls `body` on blocks of the output: the whole of it for small products, else one block
    /// per worker, cut along the longer side.
    private static func split(
        m: Int, n: Int, k: Int, allowed: Bool = true, _ body: (Range<Int>, Range<Int>) -> Void
    ) {
        let workers = Parallel.workers
        guard allowed, workers > 1, m * n * k >= parallelThreshold, max(m, n) >= 2 * workers else {
            body(0..<m, 0..<n)
            return
        }
        let alongRows = m >= n
        let length = alongRows ? m : n
        // Keep column blocks a multiple of 16 so the kernels' packed panels stay aligned.
        let quantum = alongRows ? 1 : 16
        withoutActuallyEscaping(body) { escapable in
            let shared = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var start = length * worker / workers
                var end = length * (worker + 1) / workers
                if quantum > 1 {
                    start = worker == 0 ? 0 : (start + quantum - 1) / quantum * quantum
                    end = worker == workers - 1 ? length : min(length, (end + quantum - 1) / quantum * quantum)
                }
                guard start < end else { return }
                if alongRows { shared.value(start..<end, 0..<n) } else { shared.value(0..<m, start..<end) }
            }
        }
    }

    private static func checkSizes(_ sizes: Int...) throws {
        guard sizes.allSatisfy({ $0 >= 0 && $0 <= Int(Int32.max) }) else {
            throw KernelError.unsupported("matrix dimensions \(sizes) exceed what BLAS takes")
        }
    }
}
