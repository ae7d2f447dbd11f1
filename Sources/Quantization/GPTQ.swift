import OnnxInterpreter

/// GPTQ (Frantar et al., 2022): quantizes a weight matrix row by row (one input channel at a time), pushing
/// each row's rounding error onto the rows not yet quantized through the inverse Hessian `H = 2XᵀX` of the
/// layer's inputs, so the layer's output on those inputs changes as little as possible.
///
/// The reference implementation's choices, in this matrix's orientation (its columns are our rows):
/// dead inputs (`H[k][k] = 0`) get weight 0; `damp · mean(diag H)` is added to the diagonal; the inverse is
/// taken through Cholesky and used as its upper factor; errors are pushed lazily within `lazyBlock` rows
/// and by one matrix product onto the rest. With `actOrder`, rows go in order of decreasing `H[k][k]`;
/// blocks then get their steps from the original weights before any update ("static groups"), because a
/// DequantizeLinear block must be contiguous in the stored order. Without it, a block's steps come from
/// its current (already updated) rows when its first row is reached, as in the reference.
public struct GPTQ: Sendable {
    /// Rows per quantization block (scale group); the matrix's row count for one step per column.
    public var blockSize: Int
    /// The grid rows are rounded to.
    public var grid: LowBitGrid
    /// Quantize rows in order of decreasing Hessian diagonal.
    public var actOrder: Bool
    /// Fraction of the mean Hessian diagonal added to the diagonal.
    public var damp: Double
    /// Rows whose errors are pushed one by one before one product pushes them onto the rest.
    public var lazyBlock: Int

    /// The settings.
    public init(blockSize: Int, grid: LowBitGrid, actOrder: Bool = true, damp: Double = 0.01, lazyBlock: Int = 128) {
        self.blockSize = blockSize
        self.grid = grid
        self.actOrder = actOrder
        self.damp = damp
        self.lazyBlock = lazyBlock
    }

    /// Quantizes `values` (`[rows, columns]`, row-major) given `hessian`, the `[rows, rows]` matrix `XᵀX` of
    /// the layer's inputs (any positive multiple). Throws when the damped Hessian is not positive definite
    /// even after raising the damping a hundredfold (`tensor` names the weight).
    ///
    /// With `steps` (`[blockCount, columns]`, row-major), every block keeps the step it is given instead of
    /// one computed from the weights: how W8A8 rounds a weight with the scales `insert-qdq` chose for it.
    public func quantize(
        _ values: [Float], rows: Int, columns: Int, hessian: [Double], tensor: String,
        steps: [LowBitGrid.Step]? = nil
    ) throws -> LowBitMatrix {
        if grid.tensorScale == 0 {
            // A two-level grid (NVFP4) takes its tensor scale from the whole weight before any block is rounded.
            var fitted = self
            fitted.grid = grid.fitted(to: values)
            return try fitted.quantize(
                values, rows: rows, columns: columns, hessian: hessian, tensor: tensor, steps: steps)
        }
        try LowBitMatrix.check(values, rows: rows, columns: columns, blockSize: blockSize, tensor: tensor)
        guard hessian.count == rows * rows, hessian.allSatisfy(\.isFinite) else {
            throw QuantizationError.invalidTensor(
                tensor: tensor, reason: "the input statistics (XᵀX) are not a finite [\(rows), \(rows)] matrix")
        }
        guard damp >= 0, damp.isFinite, lazyBlock > 0 else {
            throw QuantizationError.invalidParameters(tensor: tensor, reason: "damp \(damp), lazy block \(lazyBlock)")
        }
        // Dead inputs (never non-zero) get weight 0. Working copies are made once, in processing order:
        // for an LM head the weight is the largest buffer of the pass.
        var h = hessian
        var dead = [Bool](repeating: false, count: rows)
        for row in 0..<rows where h[row * rows + row] == 0 {
            h[row * rows + row] = 1
            dead[row] = true
        }
        let order = processingOrder(hessian: h, rows: rows)
        var matrix = LowBitMatrix(rows: rows, columns: columns, blockSize: blockSize, grid: grid)
        var fixedSteps = Set<Int>()
        if let steps {
            guard steps.count == matrix.steps.count else {
                throw QuantizationError.invalidParameters(
                    tensor: tensor, reason: "\(steps.count) steps given for \(matrix.steps.count) blocks")
            }
            matrix.steps = steps
            fixedSteps = Set(0..<matrix.blockCount)
        } else if actOrder {
            for block in 0..<matrix.blockCount {
                let members = blockRows(block, rows: rows)
                var slice = [Float](repeating: 0, count: members.count * columns)
                for (offset, row) in members.enumerated() where !dead[row] {
                    for column in 0..<columns { slice[offset * columns + column] = values[row * columns + column] }
                }
                setSteps(of: block, from: slice, count: members.count, into: &matrix)
                fixedSteps.insert(block)
            }
        }
        var permuted = [Double](repeating: 0, count: rows * columns)
        var hp = [Double](repeating: 0, count: rows * rows)
        for (i, source) in order.enumerated() {
            if !dead[source] {
                for column in 0..<columns { permuted[i * columns + column] = Double(values[source * columns + column]) }
            }
            for (j, other) in order.enumerated() { hp[i * rows + j] = h[source * rows + other] }
        }
        h = []
        let inverseFactor = try dampedInverseFactor(hp, rows: rows, tensor: tensor)
        var positionOf = [Int](repeating: 0, count: rows)
        for (i, source) in order.enumerated() { positionOf[source] = i }
        var errors = [Double](repeating: 0, count: lazyBlock * columns)
        var start = 0
        while start < rows {
            let end = min(rows, start + lazyBlock)
            for i in start..<end {
                let source = order[i]
                let block = source / blockSize
                if !fixedSteps.contains(block) {
                    // Rows are in stored order here, so the block's rows are i..<i+blockSize. Rows past
                    // the lazy block still owe the errors of rows start..<i: settle them first, so the
                    // step is the one the paper's unbatched algorithm would see.
                    let members = blockRows(block, rows: rows).map { positionOf[$0] }
                    let current = members.flatMap { row in
                        (0..<columns).map { column in
                            var value = permuted[row * columns + column]
                            if row >= end {
                                for earlier in start..<i {
                                    value -=
                                        inverseFactor[earlier * rows + row]
                                        * errors[(earlier - start) * columns + column]
                                }
                            }
                            return Float(value)
                        }
                    }
                    setSteps(of: block, from: current, count: members.count, into: &matrix)
                    fixedSteps.insert(block)
                }
                let diagonal = inverseFactor[i * rows + i]
                let errorRow = (i - start) * columns
                for column in 0..<columns {
                    let value = permuted[i * columns + column]
                    let step = matrix.steps[block * columns + column]
                    let code = grid.code(Float(value), step)
                    matrix.codes[source * columns + column] = Int16(code)
                    errors[errorRow + column] = (value - Double(grid.value(code, step))) / diagonal
                }
                propagate(
                    errors, errorRow: errorRow, fromRow: i, through: (i + 1)..<end, inverseFactor, rows, into: &permuted
                )
            }
            if end < rows {
                try pushErrors(
                    errors, lazyRows: start..<end, inverseFactor: inverseFactor, rows: rows, columns: columns,
                    into: &permuted)
            }
            start = end
        }
        return matrix
    }

    /// `W[j] -= U[i][j] · error` for every row `j` of `later`: one row's error onto the rest of its lazy block.
    private func propagate(
        _ errors: [Double], errorRow: Int, fromRow i: Int, through later: Range<Int>, _ inverseFactor: [Double],
        _ rows: Int, into weight: inout [Double]
    ) {
        let columns = weight.count / rows
        weight.withUnsafeMutableBufferPointer { weight in
            errors.withUnsafeBufferPointer { errors in
                guard let w = weight.baseAddress, let e = errors.baseAddress else { return }
                let error = e + errorRow
                for j in later {
                    let factor = inverseFactor[i * rows + j]
                    guard factor != 0 else { continue }
                    let row = w + j * columns
                    for column in 0..<columns { row[column] -= factor * error[column] }
                }
            }
        }
    }

    /// Row indices in the order they are quantized.
    private func processingOrder(hessian: [Double], rows: Int) -> [Int] {
        guard actOrder else { return Array(0..<rows) }
        // Stable: equal diagonals keep their stored order, so results do not depend on the sort.
        return (0..<rows).sorted {
            let a = hessian[$0 * rows + $0]
            let b = hessian[$1 * rows + $1]
            return a != b ? a > b : $0 < $1
        }
    }

    private func blockRows(_ block: Int, rows: Int) -> Range<Int> {
        block * blockSize..<min(rows, (block + 1) * blockSize)
    }

    /// Sets the steps of `block` from the first `count` rows of `source` (row-major `[count, columns]`).
    private func setSteps(of block: Int, from source: [Float], count: Int, into matrix: inout LowBitMatrix) {
        let columns = matrix.columns
        for (column, extremes) in LowBitMatrix.blockExtremes(source, columns: columns, rows: 0..<count).enumerated() {
            matrix.steps[block * columns + column] = grid.step(for: extremes)
        }
    }

    /// The upper Cholesky factor of the inverse of the damped Hessian; the damping is raised tenfold
    /// (twice) when the matrix is not positive definite.
    private func dampedInverseFactor(_ hessian: [Double], rows: Int, tensor: String) throws -> [Double] {
        var meanDiagonal = 0.0
        for row in 0..<rows { meanDiagonal += hessian[row * rows + row] }
        meanDiagonal /= Double(rows)
        var fraction = damp
        for _ in 0..<3 {
            var damped = hessian
            for row in 0..<rows { damped[row * rows + row] += fraction * meanDiagonal }
            if let inverse = try Cholesky.inverse(damped, n: rows),
                let factor = try Cholesky.upperFactor(inverse, n: rows)
            {
                return factor
            }
            fraction = max(fraction * 10, 1e-6)
        }
        throw QuantizationError.invalidParameters(
            tensor: tensor, reason: "the layer's input Hessian is not positive definite even with damp \(fraction / 10)"
        )
    }

    /// `W[end..<rows] -= Ufactor[lazy, end..<rows]ᵀ · errors[lazy]`: the lazy rows' errors onto every later row.
    private func pushErrors(
        _ errors: [Double], lazyRows: Range<Int>, inverseFactor: [Double], rows: Int, columns: Int,
        into weight: inout [Double]
    ) throws {
        let remaining = rows - lazyRows.upperBound
        try inverseFactor.withUnsafeBufferPointer { factor in
            try errors.withUnsafeBufferPointer { errors in
                try weight.withUnsafeMutableBufferPointer { weight in
                    guard let f = factor.baseAddress, let e = errors.baseAddress, let w = weight.baseAddress else {
                        return
                    }
                    // A = factor[lazyRows, end...] as [lazy, remaining] with leading dimension `rows`; Aᵀ·E.
                    try Blas.dgemm(
                        transposeA: true, transposeB: false, m: remaining, n: columns, k: lazyRows.count, alpha: -1,
                        a: f + lazyRows.lowerBound * rows + lazyRows.upperBound, lda: rows, b: e, ldb: columns,
                        beta: 1, c: w + lazyRows.upperBound * columns, ldc: columns)
                }
            }
        }
    }
}
