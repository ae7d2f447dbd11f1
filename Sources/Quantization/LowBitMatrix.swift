import Foundation
import OnnxIR

/// A weight matrix `[rows, columns]` (rows: the reduction axis K, columns: output channels N) quantized
/// to a low-bit grid in blocks of `blockSize` consecutive rows, one step per block and column.
///
/// This is the layout of a MatMul's right operand and of ONNX's blocked DequantizeLinear on axis 0: the
/// scale has shape `[ceil(rows / blockSize), columns]`, and a final partial block is allowed.
public struct LowBitMatrix: Sendable {
    /// Rows (K).
    public let rows: Int
    /// Columns (N).
    public let columns: Int
    /// Rows per block; equal to `rows` for one step per column (per channel).
    public let blockSize: Int
    /// The grid the codes are on.
    public let grid: LowBitGrid
    /// The codes, row-major `[rows, columns]`.
    public internal(set) var codes: [Int16]
    /// The steps, row-major `[blockCount, columns]`.
    public internal(set) var steps: [LowBitGrid.Step]

    /// Blocks per column.
    public var blockCount: Int { Self.blockCount(rows: rows, blockSize: blockSize) }

    /// `ceil(rows / blockSize)`.
    public static func blockCount(rows: Int, blockSize: Int) -> Int { (rows + blockSize - 1) / blockSize }

    /// An all-zero matrix to fill in.
    init(rows: Int, columns: Int, blockSize: Int, grid: LowBitGrid) {
        self.rows = rows
        self.columns = columns
        self.blockSize = blockSize
        self.grid = grid
        codes = [Int16](repeating: 0, count: rows * columns)
        steps = [LowBitGrid.Step](
            repeating: LowBitGrid.Step(scale: 1, zeroPoint: 0),
            count: Self.blockCount(rows: rows, blockSize: blockSize) * columns)
    }

    /// Checks a `[rows, columns]` matrix and its block size; NaN and infinities are refused.
    static func check(_ values: [Float], rows: Int, columns: Int, blockSize: Int, tensor: String) throws {
        guard rows > 0, columns > 0, values.count == rows * columns else {
            throw QuantizationError.invalidTensor(
                tensor: tensor, reason: "\(values.count) values for a [\(rows), \(columns)] matrix")
        }
        guard blockSize > 0 else { throw QuantizationError.invalidBlockSize(tensor: tensor, blockSize: blockSize) }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw QuantizationError.nonFiniteValue(tensor: tensor, index: bad, value: values[bad])
        }
    }

    /// Round to nearest: each block's step from its own extremes (shrunk by `clip[block * columns + column]`
    /// when given), then every value rounded to its code. ONNX Runtime's default `MatMulNBits` algorithm.
    public static func roundToNearest(
        _ values: [Float], rows: Int, columns: Int, blockSize: Int, grid: LowBitGrid, clip: [Float]? = nil,
        tensor: String
    ) throws -> LowBitMatrix {
        try check(values, rows: rows, columns: columns, blockSize: blockSize, tensor: tensor)
        let grid = grid.fitted(to: values)
        var matrix = LowBitMatrix(rows: rows, columns: columns, blockSize: blockSize, grid: grid)
        for block in 0..<matrix.blockCount {
            let range = block * blockSize..<min(rows, (block + 1) * blockSize)
            let extremes = blockExtremes(values, columns: columns, rows: range)
            for column in 0..<columns {
                let step = grid.step(for: extremes[column], clip: clip?[block * columns + column] ?? 1)
                matrix.steps[block * columns + column] = step
                for row in range {
                    matrix.codes[row * columns + column] = Int16(grid.code(values[row * columns + column], step))
                }
            }
        }
        return matrix
    }

    /// A weight stored `[columns, rows]` when `transposed` (Gemm with `transB=1`) as the `[rows, columns]`
    /// row-major matrix the quantizers take; `values` unchanged otherwise.
    public static func rowMajor(_ values: [Float], rows: Int, columns: Int, transposed: Bool) -> [Float] {
        guard transposed else { return values }
        var matrix = [Float](repeating: 0, count: values.count)
        for column in 0..<columns {
            for row in 0..<rows { matrix[row * columns + column] = values[column * rows + row] }
        }
        return matrix
    }

    /// The extremes of every column over `rows`.
    static func blockExtremes(_ values: [Float], columns: Int, rows: Range<Int>) -> [BlockExtremes] {
        var extremes = [BlockExtremes](repeating: BlockExtremes(), count: columns)
        for row in rows {
            for column in 0..<columns { extremes[column].add(values[row * columns + column]) }
        }
        return extremes
    }

    /// The step of `row`, `column`.
    @inline(__always)
    public func step(row: Int, column: Int) -> LowBitGrid.Step { steps[(row / blockSize) * columns + column] }

    /// The dequantized matrix, row-major `[rows, columns]`.
    public func dequantized() -> [Float] {
        var values = [Float](repeating: 0, count: rows * columns)
        for row in 0..<rows {
            for column in 0..<columns {
                values[row * columns + column] = grid.value(
                    Int(codes[row * columns + column]), step(row: row, column: column))
            }
        }
        return values
    }

    /// The ONNX initializers for a DequantizeLinear of this matrix, in the layout of the original weight.
    ///
    /// `transposed` writes `[columns, rows]` (Gemm with `transB=1`): blocks then run along axis 1.
    /// `shape` is the original weight's shape (leading 1s of an N-D MatMul operand are kept). One step per
    /// column (`blockSize == rows`) is written per axis (opset 13 form) unless `blockedPerChannel`.
    /// The zero point is left out when it is 0 everywhere. Scales are float32, FP8 E4M3 codes under a float32
    /// tensor scale (NVFP4) or E8M0 codes (MX), as the grid stores them; minval grids add their minimums in
    /// the blocked shape with a block axis of 1 inserted after the reduction axis (`[.., blocks, 1, N]`).
    public func initializers(
        name: String, shape: [Int], transposed: Bool, blockedPerChannel: Bool = false
    ) -> DequantizedWeightTensors {
        // NVFP4 and MX are block formats by definition: one block per column stays a blocked DequantizeLinear.
        let perChannel = blockSize >= rows && !blockedPerChannel && grid.scaleEncoding == .float32
        var writer = CodeWriter(format: grid.format, count: codes.count)
        var index = 0
        if transposed {
            for column in 0..<columns {
                for row in 0..<rows {
                    writer.set(index, code: Int(codes[row * columns + column]))
                    index += 1
                }
            }
        } else {
            for code in codes {
                writer.set(index, code: Int(code))
                index += 1
            }
        }
        let blocks = blockCount
        var scales = [Float](repeating: 0, count: steps.count)
        var scaleCodes = [UInt8](repeating: 0, count: steps.count)
        var offsets = [Float](repeating: 0, count: steps.count)
        var zeroPoints = CodeWriter(format: grid.format, count: steps.count)
        for block in 0..<blocks {
            for column in 0..<columns {
                let step = steps[block * columns + column]
                let position = transposed ? column * blocks + block : block * columns + column
                scales[position] = step.scale
                scaleCodes[position] = step.scaleCode
                offsets[position] = step.offset
                zeroPoints.set(position, code: step.zeroPoint)
            }
        }
        let rank = shape.count
        let reductionAxis = transposed ? rank - 1 : rank - 2
        let channelAxis = transposed ? rank - 2 : rank - 1
        let parameterShape: [Int]
        if perChannel {
            parameterShape = [columns]
        } else {
            var blocked = shape
            blocked[reductionAxis] = blocks
            parameterShape = blocked
        }
        let dims = parameterShape.map(Int64.init)
        let weight = Tensor(
            name: name + "_quantized", dataType: grid.format.dataType, dims: shape.map(Int64.init),
            storage: .raw(writer.data))
        let scale: Tensor
        var tensorScale: Tensor?
        switch grid.scaleEncoding {
        case .float32:
            scale = Tensor.floats(scales, dims: dims, name: name + "_scale")
        case .float8e4m3(let value):
            scale = Tensor(
                name: name + "_block_scale", dataType: .float8e4m3fn, dims: dims, storage: .raw(Data(scaleCodes)))
            tensorScale = Tensor.floats([value], dims: [], name: name + "_tensor_scale")
        case .powerOfTwo:
            scale = Tensor(name: name + "_scale", dataType: .float8e8m0, dims: dims, storage: .raw(Data(scaleCodes)))
        }
        var minimum: Tensor?
        if grid.usesMinimum {
            var minimumDims = perChannel ? shape.map(Int64.init) : dims
            if perChannel { minimumDims[reductionAxis] = 1 }
            minimumDims.insert(1, at: reductionAxis + 1)
            minimum = Tensor.floats(offsets, dims: minimumDims, name: name + "_minimum")
        }
        let hasZeroPoint = !grid.format.isFloat && steps.contains { $0.zeroPoint != 0 }
        let zeroPoint =
            hasZeroPoint
            ? Tensor(
                name: name + "_zero_point", dataType: grid.format.dataType, dims: dims, storage: .raw(zeroPoints.data))
            : nil
        return DequantizedWeightTensors(
            weight: weight, scale: scale, zeroPoint: zeroPoint, axis: perChannel ? channelAxis : reductionAxis,
            blockSize: perChannel ? nil : blockSize, tensorScale: tensorScale, minimum: minimum)
    }
}

/// What a DequantizeLinear of a low-bit weight reads, and its attributes.
public struct DequantizedWeightTensors: Sendable {
    /// The packed codes, in the original weight's shape.
    public var weight: Tensor
    /// The float32 scales.
    public var scale: Tensor
    /// The zero points, nil when all are 0.
    public var zeroPoint: Tensor?
    /// The `axis` attribute.
    public var axis: Int
    /// The `block_size` attribute, nil per channel.
    public var blockSize: Int?
    /// NVFP4's float32 scalar that the FP8 block scales are dequantized with; nil otherwise.
    public var tensorScale: Tensor?
    /// The minval form's float minimums, `[.., blocks, 1, N]` (or `[.., N, blocks, 1]` transposed); nil otherwise.
    public var minimum: Tensor?

    /// The DequantizeLinear attributes that read these tensors: `axis`, `block_size` when blocked, and
    /// `output_dtype=float` for E8M0 scales (without it the output would take the scale's type, which
    /// DequantizeLinear cannot produce).
    public var dequantizeAttributes: [Attribute] {
        var attributes = [Attribute("axis", .int(Int64(axis)))]
        if let blockSize { attributes.append(Attribute("block_size", .int(Int64(blockSize)))) }
        if scale.dataType == .float8e8m0 {
            attributes.append(Attribute("output_dtype", .int(Int64(DataType.float.rawValue))))
        }
        return attributes
    }
}
