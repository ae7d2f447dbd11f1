import OnnxIR

/// MatMul (batched, numpy-broadcast) and Gemm, on `Blas` for float and double.
enum LinearAlgebraKernels {
    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        table[":MatMul"] = { context in
            let weights = context.packedWeightCache(forInput: 1)
            return { call in [try matmul(call.input(0), call.input(1), weights: weights)] }
        }
        table[":Gemm"] = gemm
        table[":Det"] = { _ in { call in [try determinant(call.input(0))] } }
    }

    /// numpy's matmul: 1-D operands are promoted and the promoted axis dropped again.
    ///
    /// A float 2-D `b` that `weights` caches is read from its packed panels (same bits, less work).
    static func matmul(_ a: NDArray, _ b: NDArray, weights: PackedWeightCache? = nil) throws -> NDArray {
        guard a.dataType == b.dataType else {
            throw KernelError.invalid("A is \(a.dataType) but B is \(b.dataType)")
        }
        guard a.rank >= 1, b.rank >= 1 else { throw KernelError.invalid("MatMul needs inputs of rank 1 or more") }
        if a.dataType == .float16 || a.dataType == .bfloat16 {
            let product = try matmul(ElementConversion.convert(a, to: .float), ElementConversion.convert(b, to: .float))
            return try ElementConversion.convert(product, to: a.dataType)
        }
        let left = a.rank == 1 ? a.reshaped([1, a.shape[0]]) : a
        let right = b.rank == 1 ? b.reshaped([b.shape[0], 1]) : b
        let (m, k) = (left.shape[left.rank - 2], left.shape[left.rank - 1])
        let (k2, n) = (right.shape[right.rank - 2], right.shape[right.rank - 1])
        guard k == k2 else { throw KernelError.invalid("cannot multiply \(a.shape) by \(b.shape)") }
        let batchA = Array(left.shape.dropLast(2))
        let batchB = Array(right.shape.dropLast(2))
        let batch = try Shapes.broadcast(batchA, batchB)
        var shape = batch + [m, n]
        let output = try NDArray.uninitialized(a.dataType, shape: shape)
        let pairs = batchOffsets(batch: batch, a: batchA, b: batchB)
        if batchB.allSatisfy({ $0 == 1 }) && batchA == batch {
            // One big GEMM: every A matrix multiplies the same B.
            let packed = weights?.panels(of: b, transposed: false, inner: k, columns: n)
            try multiply(
                left, right, output, m: m * Shapes.product(batch), n: n, k: k, offsets: [(0, 0, 0)], packedB: packed)
        } else {
            let offsets = pairs.enumerated().map { (index, pair) in (pair.0 * m * k, pair.1 * k * n, index * m * n) }
            try multiply(left, right, output, m: m, n: n, k: k, offsets: offsets)
        }
        if a.rank == 1 { shape.remove(at: shape.count - 2) }
        if b.rank == 1 { shape.removeLast() }
        return output.reshaped(shape)
    }

    /// For each matrix of the broadcast batch, the matrix index in A and in B.
    private static func batchOffsets(batch: [Int], a: [Int], b: [Int]) -> [(Int, Int)] {
        let count = Shapes.product(batch)
        func strides(_ shape: [Int]) -> [Int] {
            let own = Shapes.strides(of: shape)
            let offset = batch.count - shape.count
            return (0..<batch.count).map { axis in
                axis < offset || shape[axis - offset] == 1 ? 0 : own[axis - offset]
            }
        }
        let stridesA = strides(a)
        let stridesB = strides(b)
        var result: [(Int, Int)] = []
        result.reserveCapacity(count)
        var counter = [Int](repeating: 0, count: batch.count)
        for _ in 0..<count {
            var offsetA = 0
            var offsetB = 0
            for axis in 0..<batch.count {
                offsetA += counter[axis] * stridesA[axis]
                offsetB += counter[axis] * stridesB[axis]
            }
            result.append((offsetA, offsetB))
            RowMajorIndex.advance(&counter, shape: batch)
        }
        return result
    }

    private static func multiply(
        _ a: NDArray, _ b: NDArray, _ c: NDArray, m: Int, n: Int, k: Int, offsets: [(Int, Int, Int)],
        packedB: PackedMatrix? = nil  // B's panels, for a single product only
    ) throws {
        switch a.dataType {
        case .float:
            // A batch of products (attention heads) is split over the threads by whole products: one
            // split per product paid a hand-off each and packed the shared operand once per thread.
            let perThread = offsets.count >= Parallel.workers
            let (pa, pb, pc) = (a.pointer(Float.self), b.pointer(Float.self), c.pointer(Float.self))
            // One slot per product, so threads that fail write disjoint places.
            let failures = UnsafeMutableBufferPointer<Error?>.allocate(capacity: offsets.count)
            failures.initialize(repeating: nil)
            defer {
                failures.deinitialize()
                failures.deallocate()
            }
            Parallel.forChunks(perThread ? offsets.count : 1, cost: perThread ? max(m * n * k, 1) : 0) { range in
                for index in perThread ? range : offsets.indices {
                    let (offsetA, offsetB, offsetC) = offsets[index]
                    do {
                        try Blas.sgemm(
                            transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: pa + offsetA, lda: k,
                            b: pb + offsetB, ldb: n, packedB: packedB, beta: 0,
                            c: pc + offsetC, ldc: n, splitting: !perThread)
                    } catch {
                        failures[index] = error
                        return
                    }
                }
            }
            if let failure = failures.lazy.compactMap({ $0 }).first { throw failure }
        case .double:
            for (offsetA, offsetB, offsetC) in offsets {
                try Blas.dgemm(
                    transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1,
                    a: a.pointer(Double.self) + offsetA, lda: k, b: b.pointer(Double.self) + offsetB, ldb: n, beta: 0,
                    c: c.pointer(Double.self) + offsetC, ldc: n)
            }
        default:
            try TypeDispatch.numeric(
                a.dataType, allowed: TypeDispatch.integerTypes,
                IntegerProduct(a: a, b: b, c: c, m: m, n: n, k: k, offsets: offsets))
        }
    }

    private struct IntegerProduct: NumericVisitor {
        let a: NDArray
        let b: NDArray
        let c: NDArray
        let m: Int
        let n: Int
        let k: Int
        let offsets: [(Int, Int, Int)]
        func visit<T: NumericElement>(_ type: T.Type) throws {
            for (offsetA, offsetB, offsetC) in offsets {
                let pa = a.pointer(T.self) + offsetA
                let pb = b.pointer(T.self) + offsetB
                let pc = c.pointer(T.self) + offsetC
                for row in 0..<m {
                    for column in 0..<n { pc[row * n + column] = T.zeroValue }
                    for inner in 0..<k {
                        let value = pa[row * k + inner]
                        for column in 0..<n {
                            pc[row * n + column] = T.add(
                                pc[row * n + column], T.multiply(value, pb[inner * n + column]))
                        }
                    }
                }
            }
        }
    }

    private static func gemm(_ context: NodeContext) throws -> Kernel {
        let alpha = try context.float("alpha", default: 1)
        let beta = try context.float("beta", default: 1)
        let transposeA = try context.int("transA", default: 0) != 0
        let transposeB = try context.int("transB", default: 0) != 0
        let weights = context.packedWeightCache(forInput: 1)
        return { call in
            [
                try gemm(
                    call.input(0), call.input(1), call.optionalInput(2), alpha: alpha, beta: beta,
                    transposeA: transposeA, transposeB: transposeB, weights: weights)
            ]
        }
    }

    /// Gemm: `alpha * op(A) * op(B) + beta * C`, with C broadcast to the product's shape; a float B that
    /// `weights` caches is read from its packed panels.
    static func gemm(
        _ a: NDArray, _ b: NDArray, _ c: NDArray?, alpha: Float, beta: Float, transposeA: Bool, transposeB: Bool,
        weights: PackedWeightCache? = nil
    ) throws -> NDArray {
        guard a.rank == 2, b.rank == 2 else {
            throw KernelError.invalid("A and B must be 2-D, got \(a.shape) and \(b.shape)")
        }
        guard a.dataType == b.dataType, c.map({ $0.dataType == a.dataType }) ?? true else {
            throw KernelError.invalid("A, B and C must share one element type")
        }
        if a.dataType != .float && a.dataType != .double {
            let widened = try gemm(
                ElementConversion.convert(a, to: .float), ElementConversion.convert(b, to: .float),
                c.map { try ElementConversion.convert($0, to: .float) }, alpha: alpha, beta: beta,
                transposeA: transposeA, transposeB: transposeB)
            guard a.dataType.isFloatingPoint else {
                throw KernelError.unsupportedType("\(a.dataType) (supported: float, double, float16, bfloat16)")
            }
            return try ElementConversion.convert(widened, to: a.dataType)
        }
        let (m, k) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (k2, n) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard k == k2 else {
            throw KernelError.invalid(
                "cannot multiply \(a.shape) by \(b.shape) (transA \(transposeA), transB \(transposeB))")
        }
        var output: NDArray
        var betaUsed: Float = 0
        if let c, beta != 0 {
            guard (try? Shapes.broadcast(c.shape, [m, n])) == [m, n] else {
                throw KernelError.invalid("C \(c.shape) does not broadcast to [\(m), \(n)]")
            }
            output = try ShapeKernels.expand(c, to: [m, n])
            if output.buffer === c.buffer {
                output = try MovementKernels.view(c, offset: 0, strides: Shapes.strides(of: c.shape), shape: c.shape)
            }
            betaUsed = beta
        } else {
            output = try NDArray(zerosOf: a.dataType, shape: [m, n])
        }
        if a.dataType == .float {
            try Blas.sgemm(
                transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                a: a.pointer(Float.self), lda: a.shape[1], b: b.pointer(Float.self), ldb: b.shape[1],
                packedB: weights?.panels(of: b, transposed: transposeB, inner: k, columns: n), beta: betaUsed,
                c: output.pointer(Float.self), ldc: n)
        } else {
            try Blas.dgemm(
                transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: Double(alpha),
                a: a.pointer(Double.self), lda: a.shape[1], b: b.pointer(Double.self), ldb: b.shape[1],
                beta: Double(betaUsed), c: output.pointer(Double.self), ldc: n)
        }
        return output
    }

    /// Det: determinants of the square matrices in the last two axes (LU with partial pivoting, in double).
    static func determinant(_ x: NDArray) throws -> NDArray {
        guard x.rank >= 2, x.shape[x.rank - 1] == x.shape[x.rank - 2] else {
            throw KernelError.invalid("X must hold square matrices, not \(x.shape)")
        }
        guard x.dataType.isFloatingPoint else { throw KernelError.unsupportedType("\(x.dataType)") }
        let size = x.shape[x.rank - 1]
        let values = try ElementConversion.convert(x, to: .double).elements(as: Double.self)
        let count = x.count / max(size * size, 1)
        var results: [Double] = []
        for matrix in 0..<count {
            var a = Array(values[(matrix * size * size)..<((matrix + 1) * size * size)])
            var determinant: Double = 1
            for column in 0..<size {
                var pivot = column
                for row in (column + 1)..<max(size, column + 1)
                where Swift.abs(a[row * size + column]) > Swift.abs(a[pivot * size + column]) {
                    pivot = row
                }
                if a[pivot * size + column] == 0 {
                    determinant = 0
                    break
                }
                if pivot != column {
                    for index in 0..<size { a.swapAt(pivot * size + index, column * size + index) }
                    determinant = -determinant
                }
                let diagonal = a[column * size + column]
                determinant *= diagonal
                for row in (column + 1)..<max(size, column + 1) {
                    let factor = a[row * size + column] / diagonal
                    for index in column..<size { a[row * size + index] -= factor * a[column * size + index] }
                }
            }
            results.append(determinant)
        }
        let output = try NDArray(results, dataType: .double, shape: Array(x.shape.dropLast(2)))
        return try ElementConversion.convert(output, to: x.dataType)
    }
}
