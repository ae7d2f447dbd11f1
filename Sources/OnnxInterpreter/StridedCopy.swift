import CVectorMath
import Foundation

/// Copies a strided view of an array (transposed, sliced, broadcast, tiled) into contiguous memory.
enum StridedCopy {
    /// Fills `destination` (contiguous, row-major `shape`) with the source elements at
    /// `offset + Σ index[axis] * strides[axis]` (element units; strides may be 0 or negative).
    static func copy(
        from source: UnsafeRawPointer, offset: Int, strides: [Int], shape: [Int],
        to destination: UnsafeMutableRawPointer,
        elementSize: Int
    ) {
        var dims: [Int] = []
        var steps: [Int] = []
        for (size, stride) in zip(shape, strides) where size != 1 {
            if size == 0 { return }
            if let lastStride = steps.last, lastStride == stride * size {
                dims[dims.count - 1] *= size
                steps[steps.count - 1] = stride
            } else {
                dims.append(size)
                steps.append(stride)
            }
        }
        if dims.isEmpty {
            dims = [1]
            steps = [0]
        }
        switch elementSize {
        case 1: typed(source, offset, dims, steps, destination, UInt8.self)
        case 2: typed(source, offset, dims, steps, destination, UInt16.self)
        case 4: typed(source, offset, dims, steps, destination, UInt32.self)
        case 8: typed(source, offset, dims, steps, destination, UInt64.self)
        default:
            let bytesDims = dims + [elementSize]
            let bytesSteps = steps.map { $0 * elementSize } + [1]
            typed(source, offset * elementSize, bytesDims, bytesSteps, destination, UInt8.self)
        }
    }

    private static func typed<T>(
        _ source: UnsafeRawPointer, _ offset: Int, _ dims: [Int], _ steps: [Int],
        _ destination: UnsafeMutableRawPointer,
        _ type: T.Type
    ) {
        let input = source.assumingMemoryBound(to: T.self) + offset
        let output = destination.assumingMemoryBound(to: T.self)
        let inner = dims[dims.count - 1]
        let innerStep = steps[steps.count - 1]
        let outerDims = Array(dims.dropLast())
        let outerSteps = Array(steps.dropLast())
        let rows = Shapes.product(outerDims)
        if innerStep != 1, let last = outerSteps.last, last == 1, let height = outerDims.last, height > 1 {
            transposeTiles(
                input, output, outerDims: Array(outerDims.dropLast()), outerSteps: Array(outerSteps.dropLast()),
                height: height, width: inner, columnStep: innerStep)
            return
        }
        Parallel.forChunks(rows, cost: inner) { range in
            for row in range {
                let start = elementOffset(of: row, dims: outerDims, steps: outerSteps)
                let from = input + start
                let to = output + row * inner
                if innerStep == 1 {
                    to.update(from: from, count: inner)
                } else if innerStep == 0 {
                    to.update(repeating: from.pointee, count: inner)
                } else {
                    for index in 0..<inner { to[index] = from[index * innerStep] }
                }
            }
        }
    }

    /// A batch of 2-D transpositions: `output[b][r][c] = input[base(b) + r + c * columnStep]`, done in
    /// square tiles so both sides stay in cache (the NHWC/NCHW transposes around convolutions).
    private static func transposeTiles<T>(
        _ input: UnsafePointer<T>, _ output: UnsafeMutablePointer<T>, outerDims: [Int], outerSteps: [Int], height: Int,
        width: Int, columnStep: Int
    ) {
        let size = MemoryLayout<T>.size
        if size == 4 || size == 8, VectorKernels.available {
            transposeBlocks(
                UnsafeRawPointer(input), UnsafeMutableRawPointer(output), elementSize: size, outerDims: outerDims,
                outerSteps: outerSteps, height: height, width: width, columnStep: columnStep)
            return
        }
        let tile = 32
        let batches = Shapes.product(outerDims)
        let tileRows = (height + tile - 1) / tile
        Parallel.forChunks(batches * tileRows, cost: tile * width) { range in
            for item in range {
                let (batch, tileRow) = item.quotientAndRemainder(dividingBy: tileRows)
                let base = elementOffset(of: batch, dims: outerDims, steps: outerSteps)
                let source = input + base
                let target = output + batch * height * width
                let rowStart = tileRow * tile
                let rowEnd = min(height, rowStart + tile)
                var columnStart = 0
                if T.self == UInt32.self {
                    // 4x4 blocks through registers: four contiguous source loads, four contiguous stores.
                    // Columns outside, rows inside: the tile's rows of one source column are two
                    // cache lines, used up before the next column (rows outside touched a new line
                    // per column, and the lines of wide images fell out of L1 before their next use).
                    let source32 = UnsafeRawPointer(source)
                    let target32 = UnsafeMutableRawPointer(target)
                    let fullRows = rowStart + (rowEnd - rowStart) / 4 * 4
                    var column = 0
                    while column + 4 <= width {
                        var row = rowStart
                        while row < fullRows {
                            @inline(__always) func load(_ offset: Int) -> SIMD4<UInt32> {
                                source32.loadUnaligned(
                                    fromByteOffset: (row + (column + offset) * columnStep) * 4, as: SIMD4<UInt32>.self)
                            }
                            let (c0, c1, c2, c3) = (load(0), load(1), load(2), load(3))
                            for lane in 0..<4 {
                                target32.storeBytes(
                                    of: SIMD4(c0[lane], c1[lane], c2[lane], c3[lane]),
                                    toByteOffset: ((row + lane) * width + column) * 4, as: SIMD4<UInt32>.self)
                            }
                            row += 4
                        }
                        column += 4
                    }
                    for tail in column..<width {
                        for row in rowStart..<fullRows { target[row * width + tail] = source[row + tail * columnStep] }
                    }
                    for rest in fullRows..<rowEnd {
                        for column in 0..<width { target[rest * width + column] = source[rest + column * columnStep] }
                    }
                    continue
                }
                // Blocks of 8 columns: each source row segment of the block is read once per row, and
                // the 8 destination lines stay in L1 while the rows of the tile stream through.
                while columnStart + 8 <= width {
                    let from = source + columnStart * columnStep
                    let to = target + columnStart
                    for row in rowStart..<rowEnd {
                        let line = to + row * width
                        for offset in 0..<8 { line[offset] = from[row + offset * columnStep] }
                    }
                    columnStart += 8
                }
                for column in columnStart..<width {
                    let from = source + column * columnStep
                    for row in rowStart..<rowEnd { target[row * width + column] = from[row] }
                }
            }
        }
    }

    /// `transposeTiles` for 4- and 8-byte elements through `CVectorMath`'s register-block transposes.
    ///
    /// The kernel walks the columns of a strip of output rows. Strips are 128 rows, or 16 when
    /// output rows are a multiple of 1 KiB: then the rows of a strip share a few cache sets and
    /// TLB entries, and short strips ran two to three times faster (NCHW 1024x14x14 to NHWC).
    /// When there are fewer strips than twice the workers (one NCHW image of 128 channels is a
    /// single strip) the columns are split too, so both cores get work.
    private static func transposeBlocks(
        _ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, elementSize: Int, outerDims: [Int],
        outerSteps: [Int], height: Int, width: Int, columnStep: Int
    ) {
        let strip = width * elementSize % 1024 == 0 ? 16 : 128
        let batches = Shapes.product(outerDims)
        let strips = (height + strip - 1) / strip
        let wanted = 2 * Parallel.workers
        let parts = batches * strips >= wanted ? 1 : max(1, min(wanted, width / 64))
        let partWidth = ((width + parts - 1) / parts + 7) / 8 * 8
        let partCount = (width + partWidth - 1) / partWidth
        let kernel = elementSize == 4 ? qdqc_transpose_32 : qdqc_transpose_64
        Parallel.forChunks(batches * strips * partCount, cost: strip * partWidth) { range in
            for item in range {
                let (batch, rest) = item.quotientAndRemainder(dividingBy: strips * partCount)
                let (stripIndex, part) = rest.quotientAndRemainder(dividingBy: partCount)
                let base = elementOffset(of: batch, dims: outerDims, steps: outerSteps)
                let rowStart = stripIndex * strip
                let columnStart = part * partWidth
                let source = base + columnStart * columnStep + rowStart
                let target = batch * height * width + rowStart * width + columnStart
                _ = kernel(
                    input + source * elementSize, columnStep, output + target * elementSize, width,
                    min(strip, height - rowStart), min(partWidth, width - columnStart))
            }
        }
    }

    /// Element offset of item `index` of the row-major `dims`, each axis advancing by its `steps`.
    @inline(__always)
    private static func elementOffset(of index: Int, dims: [Int], steps: [Int]) -> Int {
        var remainder = index
        var offset = 0
        var axis = dims.count - 1
        while axis >= 0 {
            offset += (remainder % dims[axis]) * steps[axis]
            remainder /= dims[axis]
            axis -= 1
        }
        return offset
    }
}
