import CBLAS
import CVectorMath
import Dispatch
import Foundation

/// Row-major GEMM: `C = alpha * op(A) * op(B) + beta * C`.
///
/// The interpreter's MatMul, Gemm and convolutions run here, and so may any other module that
/// multiplies matrices (SmoothQuant's alpha search, weight algorithms): no model needs building.
/// Float products run on `qdqc_sgemm` (PanelGemm.c): every element one chain of fused
/// multiply-adds in order of the inner index, so the bits do not depend on the CPU, the shape's
/// blocking or the thread split, and a constant B can stay packed between calls. Matrix-vector
/// products without a packed B and double products run on OpenBLAS, switched to one thread: its own
/// worker threads spin (sched_yield) for a long time after each call, which on a two-core machine
/// steals the second core from the elementwise kernels that follow. Large products are split
/// across the cores here.
public enum Blas {
    /// Multiply-adds below which a product stays on one thread.
    static let parallelThreshold = 1 << 18

    private static let singleThreaded: Void = {
        openblas_set_num_threads(1)
        // Its workers, started when the library loads, spin in sched_yield for about 0.1 s of a core
        // before they sleep: a seventh of a short run's CPU, taken from the threads doing the work.
        blas_thread_shutdown_()
    }()

    /// Puts OpenBLAS on the calling thread alone and stops its workers; called before a model runs.
    static func prepare() {
        _ = singleThreaded
    }

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
        try sgemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b,
            ldb: ldb, packedB: nil, beta: beta, c: c, ldc: ldc, splitting: splitting)
    }

    /// Single precision with B, when `packedB` is given, read from its panels (`b` is then only its source).
    static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, packedB: PackedMatrix?, beta: Float, c: UnsafeMutablePointer<Float>,
        ldc: Int, splitting: Bool = true
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
        if let packedB, packedB.inner != k || packedB.columns != n {
            throw KernelError.invalid(
                "packed B is [\(packedB.inner), \(packedB.columns)], the product needs [\(k), \(n)]")
        }
        // Matrix-vector products: packing B for one row or column would copy the whole matrix per call (an LSTM step).
        if packedB == nil, m == 1 {
            cblas_sgemv(
                CblasRowMajor, transposeB ? CblasNoTrans : CblasTrans, Int32(transposeB ? n : k),
                Int32(transposeB ? k : n), alpha, b, Int32(ldb), a, Int32(transposeA ? lda : 1), beta, c, 1)
            return
        }
        if packedB == nil, n == 1 {
            cblas_sgemv(
                CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, Int32(transposeA ? k : m),
                Int32(transposeA ? m : k), alpha, a, Int32(lda), b, Int32(transposeB ? 1 : ldb), beta, c, Int32(ldc))
            return
        }
        let lock = NSLock()
        var outOfMemory = false
        split(m: m, n: n, k: k, allowed: splitting) { rows, columns in
            let pa = transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda
            let pb = transposeB ? b + columns.lowerBound * ldb : b + columns.lowerBound
            let done = qdqc_sgemm(
                rows.count, columns.count, k, alpha, pa, lda, transposeA ? 1 : 0, pb, ldb, transposeB ? 1 : 0,
                packedB?.panels(from: columns.lowerBound), beta, c + rows.lowerBound * ldc + columns.lowerBound, ldc,
                0)
            if done == 0 { lock.withLock { outOfMemory = true } }
        }
        if outOfMemory {
            throw KernelError.invalid("cannot allocate the buffer that packs B ([\(k), \(n)]) for the product")
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
        // Column blocks start at panel boundaries, where a packed B's panels start.
        let quantum = alongRows ? 1 : Int(QDQC_GEMM_PANEL)
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
