import Foundation
import OnnxIR

/// Conv and ConvTranspose in float32: im2col (or the input itself for pointwise convolutions)
/// and OpenBLAS GEMM, with a direct kernel for depthwise convolutions. Other float types
/// are computed in float32.
enum ConvKernels {
    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        table[":Conv"] = { context in
            let window = try WindowAttributes(context)
            let group = try context.int("group", default: 1)
            return { call in
                [try conv(call.input(0), call.input(1), call.optionalInput(2), window: window, group: group)]
            }
        }
        table[":ConvTranspose"] = { context in
            let window = try WindowAttributes(context)
            let group = try context.int("group", default: 1)
            let outputPadding = try context.ints("output_padding")
            let outputShape = try context.ints("output_shape")
            return { call in
                [
                    try convTranspose(
                        call.input(0), call.input(1), call.optionalInput(2), window: window, group: group,
                        outputPadding: outputPadding, outputShape: outputShape)
                ]
            }
        }
    }

    /// Runs `body` on float32 copies of the arrays when they are float16, bfloat16 or double, converting back.
    static func inFloat(_ arrays: [NDArray?], _ body: ([NDArray?]) throws -> NDArray) throws -> NDArray {
        guard let type = arrays.compactMap({ $0 }).first?.dataType else { throw KernelError.invalid("no input") }
        guard arrays.allSatisfy({ $0 == nil || $0?.dataType == type }) else {
            throw KernelError.invalid("inputs must share one element type")
        }
        if type == .float { return try body(arrays) }
        guard type == .float16 || type == .bfloat16 || type == .double else {
            throw KernelError.unsupportedType("\(type) (supported: float, double, float16, bfloat16)")
        }
        let widened = try arrays.map { try $0.map { try ElementConversion.convert($0, to: .float) } }
        return try ElementConversion.convert(body(widened), to: type)
    }

    /// Conv.
    static func conv(_ x: NDArray, _ w: NDArray, _ bias: NDArray?, window: WindowAttributes, group: Int) throws
        -> NDArray
    {
        try inFloat([x, w, bias]) { arrays in
            guard let x = arrays[0], let w = arrays[1] else { throw KernelError.invalid("X and W are required") }
            return try convFloat(x, w, arrays[2], window: window, group: group)
        }
    }

    private static func convFloat(_ x: NDArray, _ w: NDArray, _ bias: NDArray?, window: WindowAttributes, group: Int)
        throws -> NDArray
    {
        guard x.rank >= 3, w.rank == x.rank else {
            throw KernelError.invalid("X \(x.shape) and W \(w.shape) must have the same rank, at least 3")
        }
        let (batch, channels) = (x.shape[0], x.shape[1])
        let (filters, groupChannels) = (w.shape[0], w.shape[1])
        guard group > 0, channels == groupChannels * group, filters % group == 0 else {
            throw KernelError.invalid("X \(x.shape) and W \(w.shape) do not fit group \(group)")
        }
        if let bias, bias.count != filters {
            throw KernelError.invalid("B has \(bias.count) values for \(filters) filters")
        }
        let spatial = Array(x.shape[2...])
        var geometry = try window.geometry(input: spatial, kernel: Array(w.shape[2...]))
        guard geometry.kernel == Array(w.shape[2...]) else {
            throw KernelError.invalid("kernel_shape \(geometry.kernel) does not match W \(w.shape)")
        }
        let output = try NDArray.uninitialized(.float, shape: [batch, filters] + geometry.output)
        if geometry.rank == 1 {
            // A 1-D convolution is a 2-D one over a single row, which has the fast paths.
            geometry = WindowGeometry(
                input: [1] + geometry.input, output: [1] + geometry.output, kernel: [1] + geometry.kernel,
                strides: [1] + geometry.strides, dilations: [1] + geometry.dilations,
                padBegins: [0] + geometry.padBegins, padEnds: [0] + geometry.padEnds)
        }
        let groupFilters = filters / group
        let outputSize = geometry.outputSize
        let inputSize = geometry.inputSize
        let rows = groupChannels * geometry.kernelSize
        let xPointer = x.pointer(Float.self)
        let wPointer = w.pointer(Float.self)
        let yPointer = output.pointer(Float.self)
        if geometry.rank == 2 && groupChannels == 1 && groupFilters == 1 {
            for image in 0..<batch {
                depthwise(
                    xPointer + image * channels * inputSize, wPointer, bias?.pointer(Float.self),
                    yPointer + image * filters * outputSize, channels: channels, geometry: geometry)
            }
            return output
        }
        let pointwise =
            geometry.kernel.allSatisfy { $0 == 1 } && geometry.strides.allSatisfy { $0 == 1 }
            && geometry.padBegins.allSatisfy { $0 == 0 } && geometry.padEnds.allSatisfy { $0 == 0 }
        // im2col works on bands of output rows so the column buffer stays small (a few MB):
        // buffers beyond malloc's mmap threshold would be mapped and faulted in on every call.
        let outputRows = geometry.rank == 2 ? geometry.output[0] : 1
        let rowWidth = outputSize / max(outputRows, 1)
        let bandRows = geometry.rank == 2 ? max(1, min(outputRows, Self.columnBudget / max(rows * rowWidth, 1))) : 1
        let bandSize = geometry.rank == 2 ? bandRows * rowWidth : outputSize
        if batch > 1, geometry.rank == 2, outputSize < Self.batchedOutputLimit,
            rows * batch * outputSize <= Self.columnBudget
        {
            try batchedConv(
                xPointer, wPointer, yPointer, batch: batch, channels: channels, filters: filters, group: group,
                geometry: geometry)
            if let bias {
                addBias(bias.pointer(Float.self), to: yPointer, batch: batch, channels: filters, size: outputSize)
            }
            return output
        }
        let columns = pointwise ? nil : try NDArray.uninitialized(.float, shape: [rows, bandSize])
        for image in 0..<batch {
            for groupIndex in 0..<group {
                let input = xPointer + (image * channels + groupIndex * groupChannels) * inputSize
                let weights = wPointer + groupIndex * groupFilters * rows
                let target = yPointer + (image * filters + groupIndex * groupFilters) * outputSize
                guard let columns else {
                    try Blas.sgemm(
                        transposeA: false, transposeB: false, m: groupFilters, n: outputSize, k: rows, alpha: 1,
                        a: weights, lda: rows, b: input, ldb: outputSize, beta: 0, c: target, ldc: outputSize)
                    continue
                }
                if geometry.rank != 2 {
                    im2col(input, channels: groupChannels, geometry: geometry, into: columns.pointer(Float.self))
                    try Blas.sgemm(
                        transposeA: false, transposeB: false, m: groupFilters, n: outputSize, k: rows, alpha: 1,
                        a: weights, lda: rows, b: columns.pointer(Float.self), ldb: outputSize, beta: 0, c: target,
                        ldc: outputSize)
                    continue
                }
                var firstRow = 0
                while firstRow < outputRows {
                    let band = firstRow..<min(outputRows, firstRow + bandRows)
                    let width = band.count * rowWidth
                    im2col2D(
                        input, channels: groupChannels, geometry: geometry, outputRows: band,
                        into: columns.pointer(Float.self))
                    try Blas.sgemm(
                        transposeA: false, transposeB: false, m: groupFilters, n: width, k: rows, alpha: 1,
                        a: weights, lda: rows, b: columns.pointer(Float.self), ldb: width, beta: 0,
                        c: target + firstRow * rowWidth, ldc: outputSize)
                    firstRow = band.upperBound
                }
            }
        }
        if let bias {
            addBias(bias.pointer(Float.self), to: yPointer, batch: batch, channels: filters, size: outputSize)
        }
        return output
    }

    /// Output positions per image below which a batch is convolved with one GEMM.
    static let batchedOutputLimit = 256

    /// Convolution of a whole batch of small images at once: im2col of every image side by side,
    /// one GEMM per group, then the `[filters, batch, positions]` result reordered to NCHW.
    /// Per-image GEMMs with a handful of columns each would waste most of the BLAS kernel.
    private static func batchedConv(
        _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int,
        channels: Int, filters: Int, group: Int, geometry: WindowGeometry
    ) throws {
        let groupChannels = channels / group
        let groupFilters = filters / group
        let rows = groupChannels * geometry.kernelSize
        let outputSize = geometry.outputSize
        let inputSize = geometry.inputSize
        let total = batch * outputSize
        let columns = try NDArray.uninitialized(.float, shape: [rows, total])
        let product = try NDArray.uninitialized(.float, shape: [groupFilters, batch, outputSize])
        for groupIndex in 0..<group {
            for image in 0..<batch {
                im2col2D(
                    x + (image * channels + groupIndex * groupChannels) * inputSize, channels: groupChannels,
                    geometry: geometry, outputRows: 0..<geometry.output[0],
                    into: columns.pointer(Float.self) + image * outputSize, rowStride: total)
            }
            try Blas.sgemm(
                transposeA: false, transposeB: false, m: groupFilters, n: total, k: rows, alpha: 1,
                a: w + groupIndex * groupFilters * rows, lda: rows, b: columns.pointer(Float.self), ldb: total, beta: 0,
                c: product.pointer(Float.self), ldc: total)
            // [filter, image, position] to this group's slice of [image, filter, position].
            for image in 0..<batch {
                for filter in 0..<groupFilters {
                    (y + (image * filters + groupIndex * groupFilters + filter) * outputSize).update(
                        from: product.pointer(Float.self) + (filter * batch + image) * outputSize, count: outputSize)
                }
            }
        }
    }

    /// Elements the im2col buffer may hold (4 MB of floats).
    static let columnBudget = 1 << 20

    /// Adds one bias value per channel over the spatial positions.
    static func addBias(
        _ bias: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, batch: Int, channels: Int, size: Int
    ) {
        Parallel.forChunks(batch * channels, cost: size) { range in
            for plane in range {
                let value = bias[plane % channels]
                let row = y + plane * size
                for index in 0..<size { row[index] += value }
            }
        }
    }

    /// Lays out every window of `input` (`channels` planes) as the columns of a `[channels*kernel, output]` matrix.
    static func im2col(
        _ input: UnsafePointer<Float>, channels: Int, geometry: WindowGeometry,
        into columns: UnsafeMutablePointer<Float>
    ) {
        if geometry.rank == 2 {
            im2col2D(input, channels: channels, geometry: geometry, outputRows: 0..<geometry.output[0], into: columns)
            return
        }
        let kernelSize = geometry.kernelSize
        let outputSize = geometry.outputSize
        let inputStrides = Shapes.strides(of: geometry.input)
        let rank = geometry.rank
        Parallel.forChunks(channels * kernelSize, cost: outputSize) { range in
            var kernelIndex = [Int](repeating: 0, count: rank)
            var outputIndex = [Int](repeating: 0, count: rank)
            for row in range {
                let (channel, tap) = row.quotientAndRemainder(dividingBy: kernelSize)
                var remainder = tap
                for axis in stride(from: rank - 1, through: 0, by: -1) {
                    kernelIndex[axis] = remainder % geometry.kernel[axis]
                    remainder /= geometry.kernel[axis]
                }
                for axis in 0..<rank { outputIndex[axis] = 0 }
                let plane = input + channel * geometry.inputSize
                let target = columns + row * outputSize
                for position in 0..<outputSize {
                    var offset = 0
                    var inside = true
                    for axis in 0..<rank {
                        let coordinate =
                            outputIndex[axis] * geometry.strides[axis] + kernelIndex[axis] * geometry.dilations[axis]
                            - geometry.padBegins[axis]
                        if coordinate < 0 || coordinate >= geometry.input[axis] {
                            inside = false
                            break
                        }
                        offset += coordinate * inputStrides[axis]
                    }
                    target[position] = inside ? plane[offset] : 0
                    RowMajorIndex.advance(&outputIndex, shape: geometry.output)
                }
            }
        }
    }

    /// im2col for 2-D windows, for the output rows `outputRows` only (`columns` is `[rows, band * width]`).
    static func im2col2D(
        _ input: UnsafePointer<Float>, channels: Int, geometry: WindowGeometry, outputRows: Range<Int>,
        into columns: UnsafeMutablePointer<Float>, rowStride: Int? = nil
    ) {
        let (height, width) = (geometry.input[0], geometry.input[1])
        let outWidth = geometry.output[1]
        let (kernelHeight, kernelWidth) = (geometry.kernel[0], geometry.kernel[1])
        let (strideH, strideW) = (geometry.strides[0], geometry.strides[1])
        let (dilationH, dilationW) = (geometry.dilations[0], geometry.dilations[1])
        let (padTop, padLeft) = (geometry.padBegins[0], geometry.padBegins[1])
        let outputSize = outputRows.count * outWidth
        let lineStride = rowStride ?? outputSize
        if kernelWidth >= 4 * outWidth || kernelWidth > 1 && outWidth < 8 {
            // Wide kernels over few output columns (an STFT as a strided 1-D convolution) and
            // narrow outputs (silero's encoder, 7x7 maps): a buffer row holds a handful of values,
            // so copying each window down a buffer column beats the per-row bookkeeping below.
            Parallel.forChunks(channels * kernelHeight, cost: kernelWidth * outputSize) { range in
                for pair in range {
                    let (channel, tapH) = pair.quotientAndRemainder(dividingBy: kernelHeight)
                    let plane = input + channel * height * width
                    let firstRow = columns + pair * kernelWidth * lineStride
                    for outRow in outputRows {
                        let inRow = outRow * strideH + tapH * dilationH - padTop
                        let rowInside = inRow >= 0 && inRow < height
                        for column in 0..<outWidth {
                            let start = column * strideW - padLeft
                            var target = firstRow + (outRow - outputRows.lowerBound) * outWidth + column
                            for tapW in 0..<kernelWidth {
                                let x = start + tapW * dilationW
                                target.pointee = rowInside && x >= 0 && x < width ? plane[inRow * width + x] : 0
                                target += lineStride
                            }
                        }
                    }
                }
            }
            return
        }
        Parallel.forChunks(channels * kernelHeight * kernelWidth, cost: outputSize) { range in
            for row in range {
                let channel = row / (kernelHeight * kernelWidth)
                let tapH = (row / kernelWidth) % kernelHeight
                let tapW = row % kernelWidth
                let plane = input + channel * height * width
                let target = columns + row * lineStride
                let columnOffset = tapW * dilationW - padLeft
                let (first, last) = validRange(
                    offset: columnOffset, stride: strideW, outputs: outWidth, inputs: width)
                if strideH == 1 && outWidth == width && columnOffset == 0 && (strideW == 1 || outWidth == 1) {
                    // Whole input rows, one after the other (a kernel one column wide without column
                    // padding, a column image): the band's rows inside the image are one contiguous run.
                    let rowShift = tapH * dilationH - padTop
                    let low = min(max(outputRows.lowerBound, -rowShift), outputRows.upperBound)
                    let high = max(min(outputRows.upperBound, height - rowShift), low)
                    let inside = (low - outputRows.lowerBound) * outWidth
                    let count = (high - low) * outWidth
                    target.update(repeating: 0, count: inside)
                    (target + inside).update(from: plane + (low + rowShift) * width, count: count)
                    (target + inside + count).update(repeating: 0, count: outputSize - inside - count)
                    continue
                }
                if outWidth == 1 {
                    // A column image ([H, 1], as a 1-D convolution over H exports): one element per
                    // output row, where the general loop would make three calls per element.
                    for outRow in outputRows {
                        let inRow = outRow * strideH + tapH * dilationH - padTop
                        let inside = first < last && inRow >= 0 && inRow < height
                        target[outRow - outputRows.lowerBound] =
                            inside ? plane[inRow * width + columnOffset + first * strideW] : 0
                    }
                    continue
                }
                for outRow in outputRows {
                    let inRow = outRow * strideH + tapH * dilationH - padTop
                    let line = target + (outRow - outputRows.lowerBound) * outWidth
                    if inRow < 0 || inRow >= height || first >= last {
                        line.update(repeating: 0, count: outWidth)
                        continue
                    }
                    if first > 0 { line.update(repeating: 0, count: first) }
                    let source = plane + inRow * width + columnOffset
                    if strideW == 1 {
                        (line + first).update(from: source + first, count: last - first)
                    } else if !VectorWindows.gather(
                        source + first * strideW, stride: strideW, into: line + first, count: last - first)
                    {
                        for column in first..<last { line[column] = source[column * strideW] }
                    }
                    if last < outWidth { (line + last).update(repeating: 0, count: outWidth - last) }
                }
            }
        }
    }

    /// The output positions `[first, last)` whose input coordinate `o * stride + offset` lies in `[0, inputs)`.
    @inline(__always)
    static func validRange(offset: Int, stride: Int, outputs: Int, inputs: Int) -> (Int, Int) {
        let first = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let limit = inputs - offset
        let last = limit <= 0 ? 0 : (limit + stride - 1) / stride
        return (min(first, outputs), max(min(last, outputs), min(first, outputs)))
    }

    /// Depthwise 2-D convolution (one input and one output channel per group), computed directly.
    ///
    /// Each tap adds a weighted input row segment to an output row, which vectorizes when the
    /// column stride is 1. For wider strides the columns each tap reads are first gathered into
    /// a contiguous `[kernelWidth, height, outWidth]` scratch plane per channel. Where the CPU has
    /// AVX2, `VectorWindows.depthwise` does the same operations in the same order, whole
    /// rows in registers (`vectorized: false` keeps this loop, for tests).
    static func depthwise(
        _ input: UnsafePointer<Float>, _ weights: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
        _ output: UnsafeMutablePointer<Float>, channels: Int, geometry: WindowGeometry, vectorized: Bool = true
    ) {
        let (height, width) = (geometry.input[0], geometry.input[1])
        let (outHeight, outWidth) = (geometry.output[0], geometry.output[1])
        let (kernelHeight, kernelWidth) = (geometry.kernel[0], geometry.kernel[1])
        let (strideH, strideW) = (geometry.strides[0], geometry.strides[1])
        let (dilationH, dilationW) = (geometry.dilations[0], geometry.dilations[1])
        let (padTop, padLeft) = (geometry.padBegins[0], geometry.padBegins[1])
        let gathered = strideW != 1
        // Per column tap: the output columns whose input column is inside the image, and the offset.
        let columnRanges = (0..<kernelWidth).map { tapW -> (Int, Int, Int) in
            let columnOffset = tapW * dilationW - padLeft
            if gathered { return (0, outWidth, columnOffset) }
            let (first, last) = validRange(offset: columnOffset, stride: strideW, outputs: outWidth, inputs: width)
            return (first, last, columnOffset)
        }
        // The output columns every column tap reads inside the image (all of them for gathered planes,
        // whose outside columns are zeros in the scratch).
        let interiorStart = columnRanges.map(\.0).max() ?? 0
        let interior = interiorStart..<max(interiorStart, columnRanges.map(\.1).min() ?? 0)
        Parallel.forChunks(channels, cost: outHeight * outWidth * kernelHeight * kernelWidth) { range in
            let start = range.lowerBound
            if vectorized
                && VectorWindows.depthwise(
                    input + start * height * width, weights + start * kernelHeight * kernelWidth,
                    bias.map { $0 + start }, output + start * outHeight * outWidth, channels: range.count,
                    geometry: geometry)
            {
                return
            }
            let scratch =
                gathered
                ? UnsafeMutablePointer<Float>.allocate(capacity: max(kernelWidth * height * outWidth, 1)) : nil
            defer { scratch?.deallocate() }
            let tapSources = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: kernelHeight * kernelWidth)
            let tapWeights = UnsafeMutablePointer<Float>.allocate(capacity: kernelHeight * kernelWidth)
            defer {
                tapSources.deallocate()
                tapWeights.deallocate()
            }
            for channel in range {
                let plane = input + channel * height * width
                let target = output + channel * outHeight * outWidth
                target.update(repeating: bias?[channel] ?? 0, count: outHeight * outWidth)
                if let scratch {
                    for tapW in 0..<kernelWidth {
                        let offset = tapW * dilationW - padLeft
                        for row in 0..<height {
                            let line = scratch + (tapW * height + row) * outWidth
                            let source = plane + row * width
                            for column in 0..<outWidth {
                                let position = column * strideW + offset
                                line[column] = position >= 0 && position < width ? source[position] : 0
                            }
                        }
                    }
                }
                // Output row by output row, every tap, so the row being summed stays in L1 even
                // when the plane does not.
                let channelWeights = weights + channel * kernelHeight * kernelWidth
                @inline(__always) func source(_ tapW: Int, _ inRow: Int) -> UnsafePointer<Float> {
                    scratch.map { UnsafePointer($0 + (tapW * height + inRow) * outWidth) }
                        ?? plane + inRow * width + columnRanges[tapW].2
                }
                for outRow in 0..<outHeight {
                    let line = target + outRow * outWidth
                    // Edge columns, where some column taps fall outside the image: tap by tap.
                    for tapH in 0..<kernelHeight {
                        let inRow = outRow * strideH + tapH * dilationH - padTop
                        if inRow < 0 || inRow >= height { continue }
                        for tapW in 0..<kernelWidth {
                            let (first, last, _) = columnRanges[tapW]
                            let weight = channelWeights[tapH * kernelWidth + tapW]
                            let pointer = source(tapW, inRow)
                            // Strides, not ranges: the bounds may cross (a tap wholly inside the interior, or outside the image).
                            for column in stride(from: first, to: min(last, interior.lowerBound), by: 1) {
                                line[column] += weight * pointer[column]
                            }
                            for column in stride(from: max(first, interior.upperBound), to: last, by: 1) {
                                line[column] += weight * pointer[column]
                            }
                        }
                    }
                    // Interior columns: eight at a time in a register across all taps, in the same tap
                    // order and with the same operations as the edges, so the sums are bit for bit the same.
                    // The row's taps inside the image are listed first, so the register loop is branch-free.
                    var taps = 0
                    for tapH in 0..<kernelHeight {
                        let inRow = outRow * strideH + tapH * dilationH - padTop
                        if inRow < 0 || inRow >= height { continue }
                        for tapW in 0..<kernelWidth {
                            tapSources[taps] = source(tapW, inRow)
                            tapWeights[taps] = channelWeights[tapH * kernelWidth + tapW]
                            taps += 1
                        }
                    }
                    var column = interior.lowerBound
                    while column + 8 <= interior.upperBound {
                        var sum = UnsafeRawPointer(line + column).loadUnaligned(as: SIMD8<Float>.self)
                        for tap in 0..<taps {
                            let values = UnsafeRawPointer(tapSources[tap] + column).loadUnaligned(as: SIMD8<Float>.self)
                            sum = sum + SIMD8(repeating: tapWeights[tap]) * values
                        }
                        UnsafeMutableRawPointer(line + column).storeBytes(of: sum, as: SIMD8<Float>.self)
                        column += 8
                    }
                    for rest in column..<interior.upperBound {
                        var sum = line[rest]
                        for tap in 0..<taps { sum += tapWeights[tap] * tapSources[tap][rest] }
                        line[rest] = sum
                    }
                }
            }
        }
    }

    /// ConvTranspose.
    static func convTranspose(
        _ x: NDArray, _ w: NDArray, _ bias: NDArray?, window: WindowAttributes, group: Int, outputPadding: [Int]?,
        outputShape: [Int]?
    ) throws -> NDArray {
        try inFloat([x, w, bias]) { arrays in
            guard let x = arrays[0], let w = arrays[1] else { throw KernelError.invalid("X and W are required") }
            return try convTransposeFloat(
                x, w, arrays[2], window: window, group: group, outputPadding: outputPadding, outputShape: outputShape)
        }
    }

    private static func convTransposeFloat(
        _ x: NDArray, _ w: NDArray, _ bias: NDArray?, window: WindowAttributes, group: Int, outputPadding: [Int]?,
        outputShape requestedShape: [Int]?
    ) throws -> NDArray {
        guard x.rank >= 3, w.rank == x.rank else {
            throw KernelError.invalid("X \(x.shape) and W \(w.shape) must have the same rank, at least 3")
        }
        let (batch, channels) = (x.shape[0], x.shape[1])
        guard group > 0, w.shape[0] == channels, channels % group == 0 else {
            throw KernelError.invalid("X \(x.shape) and W \(w.shape) do not fit group \(group)")
        }
        let groupFilters = w.shape[1]
        let filters = groupFilters * group
        let groupChannels = channels / group
        if let bias, bias.count != filters {
            throw KernelError.invalid("B has \(bias.count) values for \(filters) filters")
        }
        let spatial = Array(x.shape[2...])
        let rank = spatial.count
        let kernel = window.kernelShape ?? Array(w.shape[2...])
        guard kernel == Array(w.shape[2...]) else {
            throw KernelError.invalid("kernel_shape \(kernel) does not match W \(w.shape)")
        }
        let strides = window.strides ?? [Int](repeating: 1, count: rank)
        let dilations = window.dilations ?? [Int](repeating: 1, count: rank)
        let extra = outputPadding ?? [Int](repeating: 0, count: rank)
        var pads = window.pads ?? [Int](repeating: 0, count: 2 * rank)
        guard strides.count == rank, dilations.count == rank, extra.count == rank, pads.count == 2 * rank else {
            throw KernelError.invalidAttribute(
                "strides, dilations, pads or output_padding do not match \(rank) spatial axes")
        }
        try WindowAttributes.checkMagnitudes(kernel, strides, dilations, extra, pads, requestedShape ?? [], spatial)
        var outputSpatial: [Int] = []
        let requested = requestedShape.map { $0.count > rank ? Array($0.suffix(rank)) : $0 }
        for axis in 0..<rank {
            let full = strides[axis] * (spatial[axis] - 1) + extra[axis] + (kernel[axis] - 1) * dilations[axis] + 1
            if let requested {
                guard requested.count == rank else {
                    throw KernelError.invalidAttribute("output_shape has the wrong length")
                }
                // Floor division, as ONNX's reference does: a negative total extends the end.
                let total = full - requested[axis]
                let half = Int((Double(total) / 2).rounded(.down))
                if window.autoPad == "SAME_UPPER" {
                    pads[axis] = half
                    pads[axis + rank] = total - half
                } else {
                    pads[axis] = total - half
                    pads[axis + rank] = half
                }
                outputSpatial.append(requested[axis])
            } else if window.autoPad == "SAME_UPPER" || window.autoPad == "SAME_LOWER" {
                let target = spatial[axis] * strides[axis]
                let total = max(0, full - target)
                pads[axis] = window.autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
                pads[axis + rank] = total - pads[axis]
                outputSpatial.append(target)
            } else {
                if window.autoPad == "VALID" {
                    pads[axis] = 0
                    pads[axis + rank] = 0
                }
                outputSpatial.append(full - pads[axis] - pads[axis + rank])
            }
        }
        guard outputSpatial.allSatisfy({ $0 >= 0 }) else {
            throw KernelError.invalid("output size \(outputSpatial) is negative")
        }
        let geometry = WindowGeometry(
            input: outputSpatial, output: spatial, kernel: kernel, strides: strides, dilations: dilations,
            padBegins: Array(pads[0..<rank]), padEnds: Array(pads[rank...]))
        let output = try NDArray(zerosOf: .float, shape: [batch, filters] + outputSpatial)
        let rows = groupFilters * geometry.kernelSize
        let inputSize = Shapes.product(spatial)
        let outputSize = Shapes.product(outputSpatial)
        let columns = try NDArray.uninitialized(.float, shape: [rows, inputSize])
        for image in 0..<batch {
            for groupIndex in 0..<group {
                try Blas.sgemm(
                    transposeA: true, transposeB: false, m: rows, n: inputSize, k: groupChannels, alpha: 1,
                    a: w.pointer(Float.self) + groupIndex * groupChannels * rows, lda: rows,
                    b: x.pointer(Float.self) + (image * channels + groupIndex * groupChannels) * inputSize,
                    ldb: inputSize, beta: 0, c: columns.pointer(Float.self), ldc: inputSize)
                col2im(
                    columns.pointer(Float.self), channels: groupFilters, geometry: geometry,
                    into: output.pointer(Float.self) + (image * filters + groupIndex * groupFilters) * outputSize)
            }
        }
        if let bias {
            addBias(
                bias.pointer(Float.self), to: output.pointer(Float.self), batch: batch, channels: filters,
                size: outputSize)
        }
        return output
    }

    /// Adds the columns back onto their windows (the adjoint of im2col); `geometry.input` is the image.
    private static func col2im(
        _ columns: UnsafePointer<Float>, channels: Int, geometry: WindowGeometry,
        into image: UnsafeMutablePointer<Float>
    ) {
        if geometry.rank == 2 {
            col2im2D(columns, channels: channels, geometry: geometry, into: image)
            return
        }
        let kernelSize = geometry.kernelSize
        let columnsCount = geometry.outputSize
        let imageStrides = Shapes.strides(of: geometry.input)
        let rank = geometry.rank
        // Channels are independent, so they can go to different threads.
        Parallel.forChunks(channels, cost: kernelSize * columnsCount) { range in
            var kernelIndex = [Int](repeating: 0, count: rank)
            var position = [Int](repeating: 0, count: rank)
            for channel in range {
                let plane = image + channel * geometry.inputSize
                for tap in 0..<kernelSize {
                    var remainder = tap
                    for axis in stride(from: rank - 1, through: 0, by: -1) {
                        kernelIndex[axis] = remainder % geometry.kernel[axis]
                        remainder /= geometry.kernel[axis]
                    }
                    let source = columns + (channel * kernelSize + tap) * columnsCount
                    for axis in 0..<rank { position[axis] = 0 }
                    for column in 0..<columnsCount {
                        var offset = 0
                        var inside = true
                        for axis in 0..<rank {
                            let coordinate =
                                position[axis] * geometry.strides[axis] + kernelIndex[axis] * geometry.dilations[axis]
                                - geometry.padBegins[axis]
                            if coordinate < 0 || coordinate >= geometry.input[axis] {
                                inside = false
                                break
                            }
                            offset += coordinate * imageStrides[axis]
                        }
                        if inside { plane[offset] += source[column] }
                        RowMajorIndex.advance(&position, shape: geometry.output)
                    }
                }
            }
        }
    }

    /// col2im for 2-D windows: whole output-row segments at a time.
    private static func col2im2D(
        _ columns: UnsafePointer<Float>, channels: Int, geometry: WindowGeometry,
        into image: UnsafeMutablePointer<Float>
    ) {
        let (height, width) = (geometry.input[0], geometry.input[1])
        let (rowsIn, columnsIn) = (geometry.output[0], geometry.output[1])
        let (kernelHeight, kernelWidth) = (geometry.kernel[0], geometry.kernel[1])
        let (strideH, strideW) = (geometry.strides[0], geometry.strides[1])
        let (dilationH, dilationW) = (geometry.dilations[0], geometry.dilations[1])
        let (padTop, padLeft) = (geometry.padBegins[0], geometry.padBegins[1])
        let count = rowsIn * columnsIn
        Parallel.forChunks(channels, cost: kernelHeight * kernelWidth * count) { range in
            for channel in range {
                let plane = image + channel * height * width
                for tapH in 0..<kernelHeight {
                    for tapW in 0..<kernelWidth {
                        let source = columns + ((channel * kernelHeight + tapH) * kernelWidth + tapW) * count
                        let columnOffset = tapW * dilationW - padLeft
                        let (first, last) = validRange(
                            offset: columnOffset, stride: strideW, outputs: columnsIn, inputs: width)
                        if first >= last { continue }
                        for row in 0..<rowsIn {
                            let target = row * strideH + tapH * dilationH - padTop
                            if target < 0 || target >= height { continue }
                            let line = plane + target * width + columnOffset
                            let values = source + row * columnsIn
                            if strideW == 1 {
                                for column in first..<last { line[column] += values[column] }
                            } else if !VectorWindows.scatterAdd(
                                values + first, stride: strideW, into: line + first * strideW, count: last - first)
                            {
                                for column in first..<last { line[column * strideW] += values[column] }
                            }
                        }
                    }
                }
            }
        }
    }
}
