import CVectorMath
import Foundation

/// The right-hand operand of float matrix products, packed once into the panels `Blas.sgemm` reads.
///
/// A constant weight multiplies every sample the same way; packing it at each call (as OpenBLAS
/// does) was a tenth of a transformer's CPU time. The packed floats are a second copy of the weight,
/// so an interpreter packs only what its constant-cache budget allows (`PackedWeightCache`).
final class PackedMatrix: @unchecked Sendable {
    /// Rows of B: the products' inner dimension.
    let inner: Int
    /// Columns of B: the products' columns.
    let columns: Int
    /// The panels, read-only once packed.
    let panels: UnsafeMutableBufferPointer<Float>

    /// Bytes the panels of a `[inner, columns]` matrix take.
    static func byteCount(inner: Int, columns: Int) -> Int {
        Int(qdqc_sgemm_packed_count(inner, columns)) * MemoryLayout<Float>.stride
    }

    /// Packs `b`: element (i, j) at `b[i * ldb + j]`, or at `b[j * ldb + i]` when `transposed`; nil when
    /// the memory cannot be had.
    init?(_ b: UnsafePointer<Float>, ldb: Int, transposed: Bool, inner: Int, columns: Int) {
        let count = Int(qdqc_sgemm_packed_count(inner, columns))
        guard inner > 0, columns > 0, let raw = malloc(count * MemoryLayout<Float>.stride) else { return nil }
        let start = raw.bindMemory(to: Float.self, capacity: count)
        qdqc_sgemm_pack(b, ldb, transposed ? 1 : 0, inner, columns, start)
        self.inner = inner
        self.columns = columns
        self.panels = UnsafeMutableBufferPointer(start: start, count: count)
    }

    /// The panels of columns from `column` on (a multiple of the panel width).
    func panels(from column: Int) -> UnsafePointer<Float> {
        UnsafePointer(panels.baseAddress! + column / Int(QDQC_GEMM_PANEL) * inner * Int(QDQC_GEMM_PANEL))
    }

    deinit {
        free(panels.baseAddress)
    }
}

/// Packs a node's constant B on its first float run and hands out the panels after, within a budget.
///
/// The weight is packed lazily so that building a plan costs nothing and an interpreter that never
/// runs a node never packs it; a weight past the budget is packed at every call as before. The
/// results are the same bits either way (`qdqc_sgemm` sums in one order, packed or not).
final class PackedWeightCache: @unchecked Sendable {
    private let lock = NSLock()
    private let budget: ConstantCacheBudget
    /// The panels and the array they were packed from.
    private var packed: (matrix: PackedMatrix, buffer: ObjectIdentifier, transposed: Bool)?
    private var refused = false

    /// An empty cache drawing on `budget`.
    init(budget: ConstantCacheBudget) {
        self.budget = budget
    }

    /// The panels of float `b` (`[inner, columns]`, or `[columns, inner]` when `transposed`), packed on
    /// the first call; nil when the budget or the memory refuses, or `b` is not the array packed first.
    func panels(of b: NDArray, transposed: Bool, inner: Int, columns: Int) -> PackedMatrix? {
        // A narrow B would be mostly zero padding in its 32-column panels.
        guard b.dataType == .float, b.rank == 2, columns >= Int(QDQC_GEMM_PANEL) / 2 else { return nil }
        let buffer = ObjectIdentifier(b.buffer)
        return lock.withLock {
            if let packed {
                let same =
                    packed.buffer == buffer && packed.transposed == transposed
                    && packed.matrix.inner == inner && packed.matrix.columns == columns
                return same ? packed.matrix : nil
            }
            guard !refused else { return nil }
            refused = true
            guard budget.reserve(PackedMatrix.byteCount(inner: inner, columns: columns)),
                let matrix = PackedMatrix(
                    b.pointer(Float.self), ldb: b.shape[1], transposed: transposed, inner: inner, columns: columns)
            else { return nil }
            packed = (matrix, buffer, transposed)
            return matrix
        }
    }
}
