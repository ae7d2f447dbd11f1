import Calibration
import OnnxIR
import OnnxInterpreter
import Quantization

/// One layer's float input beside the same input after the layer's own input QuantizeLinear/DequantizeLinear pair,
/// per Conv group and per fold (even and odd samples): `X_qᵀX_q`, `X_qᵀX_f`, `X_fᵀX_f` and both inputs' sums, over
/// the rows the weight meets (`LayerGram`'s blocks). Two folds, so that `QuantizedInputFit` can judge a correction
/// fitted on one on rows it was not fitted on.
///
/// What it is for: rounding a weight so that the quantized layer, reading its quantized input, comes close to
/// the float layer reading its float input (`‖X_f·W − X_q·Ŵ‖`, the asymmetric objective of GPTAQ, Li et al.
/// 2025), rather than to the float layer reading the quantized input (GPTQ's `‖X_q·W − X_q·Ŵ‖`): the weight then
/// takes up part of the error its input's quantization makes.
///
/// `X_q` is the float input through the layer's own pair only, not the input the whole quantized model would
/// give: every layer is rounded at once, and a layer that made up for its predecessors' errors too would make up
/// for them twice once those predecessors make up for their own. Rounding and clamping commute with the im2col
/// gathering (a padded 0 stays 0: the zero point is on the grid), so the pair is applied to the gathered rows.
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

    /// The layer input's integer QuantizeLinear/DequantizeLinear pair, per tensor.
    struct InputPair {
        /// The scale.
        let scale: Float
        /// The zero point.
        let zeroPoint: Float
        /// The codes' range.
        let range: ClosedRange<Float>

        /// The pair of the DequantizeLinear `dequantize`, when it dequantizes one integer element type per tensor
        /// with constant parameters.
        init?(dequantize: Node) {
            guard dequantize.opType == "DequantizeLinear", dequantize.inputs.count >= 2,
                let format = dequantize.inputs[0]?.elementType.flatMap(QuantFormat.init(dataType:)),
                let range = format.integerRange(),
                let scaleTensor = dequantize.inputs[1].flatMap(ConstantData.tensor(of:)),
                let scales = ConstantData.floats(scaleTensor), scales.count == 1, scales[0] > 0, scales[0].isFinite
            else { return nil }
            var zeroPoint: Float = 0
            if dequantize.inputs.count > 2, let value = dequantize.inputs[2] {
                guard let tensor = ConstantData.tensor(of: value), let read = ConstantData.int64s(tensor),
                    read.count == 1
                else { return nil }
                zeroPoint = Float(read[0])
            }
            scale = scales[0]
            self.zeroPoint = zeroPoint
            self.range = Float(range.lowerBound)...Float(range.upperBound)
        }

        /// `x` quantized and dequantized (ONNX rounding: half to even).
        func roundTrip(_ x: Double) -> Double {
            let code = min(
                max((Float(x) / scale).rounded(.toNearestOrEven) + zeroPoint, range.lowerBound), range.upperBound)
            return Double((code - zeroPoint) * scale)
        }
    }

    /// Reads the blocks the weight meets (its own statistics stay empty).
    let reader: LayerGram
    /// The pair the layer's input goes through.
    let pair: InputPair
    /// Per group, the two folds.
    private(set) var groups: [[Sums]]
    /// Tensors observed so far: one per sample, so its parity is the sample's fold.
    private var observations = 0

    /// Pairs for a layer whose input `reader` reads and `pair` quantizes.
    init(reader: LayerGram, pair: InputPair) {
        self.reader = reader
        self.pair = pair
        groups = Array(repeating: [Sums(), Sums()], count: reader.groups.count)
    }

    /// Adds one sample's float input tensor of `shape`, and the same through the pair, to the sample's fold.
    mutating func observe(_ values: UnsafeBufferPointer<Float>, shape: [Int]) throws {
        // Moved out while the blocks are read, so the sums are updated in place, not copied.
        var groups = self.groups
        self.groups = []
        defer { self.groups = groups }
        let fold = observations % 2
        observations += 1
        let pair = self.pair
        try reader.forEachBlock(of: values, shape: shape) { group, block, blockShape in
            let (rows, width) = try Self.rowsAndWidth(blockShape, count: block.count)
            let float = block.map { $0.isFinite ? Double($0) : 0 }
            let quantized = float.map(pair.roundTrip)
            try Self.accumulate(
                quantized: quantized, float: float, rows: rows, width: width, into: &groups[group][fold])
        }
    }

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
