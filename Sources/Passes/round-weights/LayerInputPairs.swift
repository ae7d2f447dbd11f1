import Calibration
import OnnxInterpreter

/// One layer's input in the float model beside the same input in the quantized model, on the same samples, per
/// Conv group and per fold (even and odd samples): `X_qᵀX_q`, `X_qᵀX_f`, `X_fᵀX_f` and both inputs' sums, over the
/// rows the weight meets (`LayerGram`'s blocks). Two folds, so that `QuantizedInputFit` can judge a correction
/// fitted on one on rows it was not fitted on.
///
/// What it is for: rounding a weight so that the quantized layer, reading its quantized input, comes close to
/// the float layer reading its float input (`‖X_f·W − X_q·Ŵ‖`, the asymmetric objective of GPTAQ, Li et al.
/// 2025), rather than to the float layer reading the quantized input (GPTQ's `‖X_q·W − X_q·Ŵ‖`): the weight then
/// takes up part of the error the quantized model has accumulated by its input.
///
/// Each sample's float input is kept (`stageFloat`) until the quantized model's run of the same sample produces
/// the matching one (`observeQuantized`), block by block in the same order; only the sampled rows are kept.
struct LayerInputPairs {
    /// Sums over the rows of one group in one fold.
    struct Sums {
        /// Rows seen.
        var rows = 0
        /// `X_qᵀX_q`, row-major `[width, width]`.
        var quantizedGram: [Double] = []
        /// `X_qᵀX_f`, row-major `[width, width]` (row: quantized element, column: float element).
        var crossGram: [Double] = []
        /// `X_fᵀX_f`, row-major `[width, width]`.
        var floatGram: [Double] = []
        /// `Σ x_q` and `Σ x_f` per element.
        var quantizedSum: [Double] = []
        var floatSum: [Double] = []

        /// Elements per row (0 before the first row).
        var width: Int { quantizedSum.count }

        /// The sums of both.
        static func + (a: Sums, b: Sums) -> Sums {
            guard a.rows > 0 else { return b }
            guard b.rows > 0 else { return a }
            let add = { (x: [Double], y: [Double]) in zip(x, y).map { $0 + $1 } }
            return Sums(
                rows: a.rows + b.rows, quantizedGram: add(a.quantizedGram, b.quantizedGram),
                crossGram: add(a.crossGram, b.crossGram), floatGram: add(a.floatGram, b.floatGram),
                quantizedSum: add(a.quantizedSum, b.quantizedSum), floatSum: add(a.floatSum, b.floatSum))
        }
    }

    /// Reads the blocks the weight meets (its own statistics stay empty).
    let reader: LayerGram
    /// Per group, the two folds.
    private(set) var groups: [[Sums]]
    /// Samples paired so far: its parity is the next sample's fold.
    private var observations = 0
    /// The current sample's float blocks, oldest first.
    private var staged: [(group: Int, rows: Int, width: Int, values: [Double])] = []

    /// Pairs for a layer whose input `reader` reads.
    init(reader: LayerGram) {
        self.reader = reader
        groups = Array(repeating: [Sums(), Sums()], count: reader.groups.count)
    }

    /// Keeps one sample's float input tensor of `shape` until `observeQuantized` pairs it.
    mutating func stageFloat(_ values: UnsafeBufferPointer<Float>, shape: [Int]) throws {
        var staged = self.staged
        self.staged = []
        defer { self.staged = staged }
        try reader.forEachBlock(of: values, shape: shape) { group, block, blockShape in
            let (rows, width) = try Self.rowsAndWidth(blockShape, count: block.count)
            staged.append((group, rows, width, block.map { $0.isFinite ? Double($0) : 0 }))
        }
    }

    /// Pairs the same sample's quantized input tensor of `shape` with the float one staged for it and adds both
    /// to the sample's fold.
    mutating func observeQuantized(_ values: UnsafeBufferPointer<Float>, shape: [Int]) throws {
        // Moved out while the blocks are read, so the sums are updated in place, not copied.
        var groups = self.groups
        var staged = self.staged
        self.groups = []
        self.staged = []
        defer {
            self.groups = groups
            self.staged = staged
        }
        let fold = observations % 2
        observations += 1
        try reader.forEachBlock(of: values, shape: shape) { group, block, blockShape in
            let (rows, width) = try Self.rowsAndWidth(blockShape, count: block.count)
            guard let float = staged.first, float.group == group, float.rows == rows, float.width == width else {
                throw CalibrationError.badBatch(
                    reason: "the quantized model's input \(blockShape) does not match the float model's")
            }
            staged.removeFirst()
            let quantized = block.map { $0.isFinite ? Double($0) : 0 }
            try Self.accumulate(
                quantized: quantized, float: float.values, rows: rows, width: width, into: &groups[group][fold])
        }
        guard staged.isEmpty else {
            throw CalibrationError.badBatch(reason: "the float model's input has more rows than the quantized model's")
        }
    }

    /// Drops float input staged for a sample whose quantized run did not produce this input.
    mutating func discardStaged() { staged = [] }

    private static func rowsAndWidth(_ shape: [Int], count: Int) throws -> (Int, Int) {
        guard let width = shape.last, width > 0, count % width == 0 else {
            throw CalibrationError.badBatch(reason: "shape \(shape) has no channels on its last axis")
        }
        return (count / width, width)
    }

    private static func accumulate(
        quantized: [Double], float: [Double], rows: Int, width: Int, into sums: inout Sums
    ) throws {
        if sums.rows == 0 {
            sums.quantizedGram = [Double](repeating: 0, count: width * width)
            sums.crossGram = sums.quantizedGram
            sums.floatGram = sums.quantizedGram
            sums.quantizedSum = [Double](repeating: 0, count: width)
            sums.floatSum = sums.quantizedSum
        }
        guard sums.quantizedSum.count == width else {
            throw CalibrationError.badBatch(
                reason: "\(width) elements per row, earlier rows had \(sums.quantizedSum.count)")
        }
        sums.rows += rows
        for row in 0..<rows {
            for column in 0..<width {
                sums.quantizedSum[column] += quantized[row * width + column]
                sums.floatSum[column] += float[row * width + column]
            }
        }
        try quantized.withUnsafeBufferPointer { q in
            try float.withUnsafeBufferPointer { f in
                guard let q = q.baseAddress, let f = f.baseAddress else { return }
                for (gram, left, right) in [
                    (\Sums.quantizedGram, q, q), (\Sums.crossGram, q, f), (\Sums.floatGram, f, f),
                ] {
                    try sums[keyPath: gram].withUnsafeMutableBufferPointer { gram in
                        guard let c = gram.baseAddress else { return }
                        try Blas.dgemm(
                            transposeA: true, transposeB: false, m: width, n: width, k: rows, alpha: 1, a: left,
                            lda: width, b: right, ldb: width, beta: 1, c: c, ldc: width)
                    }
                }
            }
        }
    }
}
