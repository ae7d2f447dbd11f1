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
                var remainder = row
                var start = 0
                var axis = outerDims.count - 1
                while axis >= 0 {
                    start += (remainder % outerDims[axis]) * outerSteps[axis]
                    remainder /= outerDims[axis]
                    axis -= 1
                }
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
        let tile = 32
        let batches = Shapes.product(outerDims)
        let tileRows = (height + tile - 1) / tile
        Parallel.forChunks(batches * tileRows, cost: tile * width) { range in
            for item in range {
                let (batch, tileRow) = item.quotientAndRemainder(dividingBy: tileRows)
                var remainder = batch
                var base = 0
                var axis = outerDims.count - 1
                while axis >= 0 {
                    base += (remainder % outerDims[axis]) * outerSteps[axis]
                    remainder /= outerDims[axis]
                    axis -= 1
                }
                let source = input + base
                let target = output + batch * height * width
                let rowStart = tileRow * tile
                let rowEnd = min(height, rowStart + tile)
                var columnStart = 0
                while columnStart < width {
                    let columnEnd = min(width, columnStart + tile)
                    for column in columnStart..<columnEnd {
                        let from = source + column * columnStep
                        for row in rowStart..<rowEnd { target[row * width + column] = from[row] }
                    }
                    columnStart = columnEnd
                }
            }
        }
    }
}
