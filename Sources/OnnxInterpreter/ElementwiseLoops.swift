/// Tight loops over raw pointers for elementwise kernels, with broadcasting and both cores.
///
/// Everything is `@inline(__always)` so each call site gets a loop specialized for its element
/// types and operation, which the compiler can vectorize. A closure that crosses into another
/// thread is no longer inlined, so hot kernels split the work first (`Parallel.forChunks`) and
/// call the serial `mapRange` / `zipUnits` inside each chunk with a literal closure; `map` and
/// `zip` do both in one call for the less hot ones.
enum ElementwiseLoops {
    /// `out[i] = op(a[i])` for `i` in `range`, on the calling thread.
    @inline(__always)
    static func mapRange<A, R>(
        _ a: UnsafePointer<A>, _ out: UnsafeMutablePointer<R>, _ range: Range<Int>, _ op: (A) -> R
    ) {
        for index in range { out[index] = op(a[index]) }
    }

    /// Independent units of broadcast work: rows, or elements of the single row.
    @inline(__always)
    static func unitCount(_ indexer: BroadcastIndexer) -> (count: Int, cost: Int) {
        indexer.rows == 1 ? (indexer.inner, 1) : (indexer.rows, indexer.inner)
    }

    /// `out = op(a, b)` over the units `range` (see `unitCount`), on the calling thread.
    @inline(__always)
    static func zipUnits<A, B, R>(
        _ indexer: BroadcastIndexer, _ a: UnsafePointer<A>, _ b: UnsafePointer<B>, _ out: UnsafeMutablePointer<R>,
        _ range: Range<Int>, _ op: (A, B) -> R
    ) {
        let strideA = indexer.innerStrides[0]
        let strideB = indexer.innerStrides[1]
        if indexer.rows == 1 {
            row(a, b, out, range, strideA, strideB, op)
            return
        }
        let inner = indexer.inner
        for rowIndex in range {
            let offsetA = indexer.offset(row: rowIndex, input: 0)
            let offsetB = indexer.offset(row: rowIndex, input: 1)
            row(a + offsetA, b + offsetB, out + rowIndex * inner, 0..<inner, strideA, strideB, op)
        }
    }

    /// `out[i] = op(a[i])` for `count` elements.
    @inline(__always)
    static func map<A, R>(
        _ a: UnsafePointer<A>, _ out: UnsafeMutablePointer<R>, count: Int, cost: Int = 1, _ op: (A) -> R
    ) {
        Parallel.forChunks(count, cost: cost) { range in
            for index in range { out[index] = op(a[index]) }
        }
    }

    /// `out = op(a, b)` with numpy broadcasting, `out` shaped like `indexer.shape`.
    @inline(__always)
    static func zip<A, B, R>(
        _ indexer: BroadcastIndexer, _ a: UnsafePointer<A>, _ b: UnsafePointer<B>, _ out: UnsafeMutablePointer<R>,
        cost: Int = 1, _ op: (A, B) -> R
    ) {
        let inner = indexer.inner
        let strideA = indexer.innerStrides[0]
        let strideB = indexer.innerStrides[1]
        if indexer.rows == 1 {
            Parallel.forChunks(inner, cost: cost) { range in
                row(a, b, out, range, strideA, strideB, op)
            }
            return
        }
        Parallel.forChunks(indexer.rows, cost: inner * cost) { rows in
            for rowIndex in rows {
                let offsetA = indexer.offset(row: rowIndex, input: 0)
                let offsetB = indexer.offset(row: rowIndex, input: 1)
                row(a + offsetA, b + offsetB, out + rowIndex * inner, 0..<inner, strideA, strideB, op)
            }
        }
    }

    /// Calls `body(offsetA, offsetB, offsetOut, elements)` for each contiguous run of the units in
    /// `range`; inside a run input i advances by `indexer.innerStrides[i]` (0 or 1) per element.
    ///
    /// Lets a kernel switch on its operation once per run and keep the element loop free of calls.
    @inline(__always)
    static func forEachRun(
        _ indexer: BroadcastIndexer, _ range: Range<Int>, _ body: (Int, Int, Int, Range<Int>) -> Void
    ) {
        if indexer.rows == 1 {
            body(0, 0, 0, range)
            return
        }
        let inner = indexer.inner
        for rowIndex in range {
            body(
                indexer.offset(row: rowIndex, input: 0), indexer.offset(row: rowIndex, input: 1), rowIndex * inner,
                0..<inner)
        }
    }

    /// `out[i] = op(a[i * strideA], b[i * strideB])` for `i` in `range`, strides 0 or 1.
    @inline(__always)
    static func stridedRow<A, B, R>(
        _ a: UnsafePointer<A>, _ b: UnsafePointer<B>, _ out: UnsafeMutablePointer<R>, _ range: Range<Int>,
        _ strideA: Int, _ strideB: Int, _ op: (A, B) -> R
    ) {
        row(a, b, out, range, strideA, strideB, op)
    }

    @inline(__always)
    private static func row<A, B, R>(
        _ a: UnsafePointer<A>, _ b: UnsafePointer<B>, _ out: UnsafeMutablePointer<R>, _ range: Range<Int>,
        _ strideA: Int, _ strideB: Int, _ op: (A, B) -> R
    ) {
        switch (strideA, strideB) {
        case (1, 1):
            for index in range { out[index] = op(a[index], b[index]) }
        case (1, _):
            let scalar = b[0]
            for index in range { out[index] = op(a[index], scalar) }
        case (_, 1):
            let scalar = a[0]
            for index in range { out[index] = op(scalar, b[index]) }
        default:
            let result = op(a[0], b[0])
            for index in range { out[index] = result }
        }
    }

    /// `out = op(a, b, c)` with numpy broadcasting of three inputs.
    @inline(__always)
    static func zip3<A, B, C, R>(
        _ indexer: BroadcastIndexer, _ a: UnsafePointer<A>, _ b: UnsafePointer<B>, _ c: UnsafePointer<C>,
        _ out: UnsafeMutablePointer<R>, _ op: (A, B, C) -> R
    ) {
        let inner = indexer.inner
        let strideA = indexer.innerStrides[0]
        let strideB = indexer.innerStrides[1]
        let strideC = indexer.innerStrides[2]
        Parallel.forChunks(indexer.rows, cost: inner) { rows in
            for rowIndex in rows {
                let pa = a + indexer.offset(row: rowIndex, input: 0)
                let pb = b + indexer.offset(row: rowIndex, input: 1)
                let pc = c + indexer.offset(row: rowIndex, input: 2)
                let po = out + rowIndex * inner
                for index in 0..<inner {
                    po[index] = op(pa[index * strideA], pb[index * strideB], pc[index * strideC])
                }
            }
        }
    }
}
