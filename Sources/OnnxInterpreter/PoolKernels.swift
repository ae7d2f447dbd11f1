import Foundation
import OnnxIR

/// MaxPool, AveragePool, LpPool and their Global forms, over any number of spatial axes.
enum PoolKernels {
    /// What a window reduces to.
    enum Reduction {
        case maximum
        case average(countIncludePad: Bool)
        case lp(p: Float)
    }

    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        table[":MaxPool"] = { context in
            let window = try WindowAttributes(context)
            let columnMajor = try context.int("storage_order", default: 0) != 0
            let wantsIndices = context.hasOutput(1)
            return { call in
                let x = try call.input(0)
                let result = try pool(
                    x, window: window, reduction: .maximum, wantsIndices: wantsIndices, columnMajor: columnMajor)
                return [result.values, result.indices]
            }
        }
        table[":AveragePool"] = { context in
            let window = try WindowAttributes(context)
            let include = try context.int("count_include_pad", default: 0) != 0
            return { call in
                [try pool(call.input(0), window: window, reduction: .average(countIncludePad: include)).values]
            }
        }
        table[":LpPool"] = { context in
            let window = try WindowAttributes(context)
            let p = Float(try context.int("p", default: 2))
            return { call in [try pool(call.input(0), window: window, reduction: .lp(p: p)).values] }
        }
        table[":MaxUnpool"] = { context in
            let window = try WindowAttributes(context)
            return { call in
                [try maxUnpool(call.input(0), indices: call.input(1), outputShape: call.integers(2), window: window)]
            }
        }
        table[":GlobalAveragePool"] = { _ in
            { call in [try global(call.input(0), reduction: .average(countIncludePad: true))] }
        }
        table[":GlobalMaxPool"] = { _ in { call in [try global(call.input(0), reduction: .maximum)] } }
        table[":GlobalLpPool"] = { context in
            let p = Float(try context.int("p", default: 2))
            return { call in [try global(call.input(0), reduction: .lp(p: p))] }
        }
    }

    /// Converts `x` to float32 when needed (integer types only for max pooling, where it is exact).
    private static func widened(_ x: NDArray, reduction: Reduction) throws -> NDArray {
        switch x.dataType {
        case .float: return x
        case .double, .float16, .bfloat16: return try ElementConversion.convert(x, to: .float)
        case .int8, .uint8:
            if case .maximum = reduction { return try ElementConversion.convert(x, to: .float) }
            fallthrough
        default:
            throw KernelError.unsupportedType(
                "\(x.dataType) (supported: float, double, float16, bfloat16; int8 and uint8 for MaxPool)")
        }
    }

    /// Pools `x` ([N, C, spatial...]) with the window; also returns MaxPool's indices when asked.
    static func pool(
        _ x: NDArray, window: WindowAttributes, reduction: Reduction, wantsIndices: Bool = false,
        columnMajor: Bool = false
    ) throws -> (values: NDArray, indices: NDArray?) {
        guard x.rank >= 3 else { throw KernelError.invalid("X must have rank 3 or more, not \(x.shape)") }
        let input = try widened(x, reduction: reduction)
        let spatial = Array(x.shape[2...])
        let geometry = try window.geometry(input: spatial)
        let planes = x.shape[0] * x.shape[1]
        let output = try NDArray.uninitialized(.float, shape: Array(x.shape[0..<2]) + geometry.output)
        let indices = wantsIndices ? try NDArray.uninitialized(.int64, shape: output.shape) : nil
        let taps = (0..<geometry.rank).map { axis in axisTaps(geometry, axis: axis) }
        let inputStrides = Shapes.strides(of: spatial)
        let columnStrides = columnMajorStrides(spatial)
        let source = input.pointer(Float.self)
        let target = output.pointer(Float.self)
        let indexTarget = indices?.pointer(Int64.self)
        let outputSize = geometry.outputSize
        let inputSize = geometry.inputSize
        if geometry.rank == 2 && !wantsIndices {
            pool2D(
                source, target, planes: planes, geometry: geometry, rowTaps: taps[0], columnTaps: taps[1],
                reduction: reduction)
            let values = x.dataType == .float ? output : try ElementConversion.convert(output, to: x.dataType)
            return (values, nil)
        }
        Parallel.forChunks(planes, cost: outputSize * geometry.kernelSize) { range in
            var position = [Int](repeating: 0, count: geometry.rank)
            var tapIndex = [Int](repeating: 0, count: geometry.rank)
            for plane in range {
                let base = source + plane * inputSize
                for axis in 0..<geometry.rank { position[axis] = 0 }
                for flat in 0..<outputSize {
                    var best = -Float.infinity
                    var bestOffset = -1
                    var sum: Float = 0
                    var valid = 0
                    var padded = 0
                    let windows = (0..<geometry.rank).map { taps[$0][position[$0]] }
                    if windows.allSatisfy({ !$0.isEmpty }) {
                        for axis in 0..<geometry.rank { tapIndex[axis] = 0 }
                        while true {
                            var offset = 0
                            var inside = true
                            for axis in 0..<geometry.rank {
                                let coordinate = windows[axis][tapIndex[axis]]
                                if coordinate < 0 { inside = false } else { offset += coordinate * inputStrides[axis] }
                            }
                            padded += 1
                            if inside {
                                let value = base[offset]
                                valid += 1
                                switch reduction {
                                case .maximum:
                                    if value > best || bestOffset < 0 && !value.isNaN && value >= best {
                                        best = value
                                        bestOffset = offset
                                    }
                                case .average: sum += value
                                case .lp(let p): sum += Foundation.pow(Swift.abs(value), p)
                                }
                            }
                            var axis = geometry.rank - 1
                            while axis >= 0 {
                                tapIndex[axis] += 1
                                if tapIndex[axis] < windows[axis].count { break }
                                tapIndex[axis] = 0
                                axis -= 1
                            }
                            if axis < 0 { break }
                        }
                    }
                    let result: Float
                    switch reduction {
                    case .maximum: result = valid == 0 ? -Float.infinity : best
                    case .average(let include): result = sum / Float(include ? padded : max(valid, 1))
                    case .lp(let p): result = Foundation.pow(sum, 1 / p)
                    }
                    target[plane * outputSize + flat] = result
                    if let indexTarget {
                        var index = plane * inputSize
                        if bestOffset >= 0 {
                            if columnMajor {
                                var remainder = bestOffset
                                for axis in stride(from: geometry.rank - 1, through: 0, by: -1) {
                                    index += (remainder % spatial[axis]) * columnStrides[axis]
                                    remainder /= spatial[axis]
                                }
                            } else {
                                index += bestOffset
                            }
                        }
                        indexTarget[plane * outputSize + flat] = Int64(index)
                    }
                    RowMajorIndex.advance(&position, shape: geometry.output)
                }
            }
        }
        let values = x.dataType == .float ? output : try ElementConversion.convert(output, to: x.dataType)
        return (values, indices)
    }

    /// Pooling over two spatial axes. Each output row and column gets its window as a flat list of
    /// valid input coordinates plus the count of taps (padding included) for `count_include_pad`.
    private static func pool2D(
        _ source: UnsafeMutablePointer<Float>, _ target: UnsafeMutablePointer<Float>, planes: Int,
        geometry: WindowGeometry, rowTaps: [[Int]], columnTaps: [[Int]], reduction: Reduction
    ) {
        let (height, width) = (geometry.input[0], geometry.input[1])
        let (outHeight, outWidth) = (geometry.output[0], geometry.output[1])
        let rows = TapTable(rowTaps)
        let columns = TapTable(columnTaps)
        Parallel.forChunks(planes, cost: outHeight * outWidth * geometry.kernelSize) { range in
            rows.offsets.withUnsafeBufferPointer { rowOffsets in
                columns.offsets.withUnsafeBufferPointer { columnOffsets in
                    rows.coordinates.withUnsafeBufferPointer { rowCoordinates in
                        columns.coordinates.withUnsafeBufferPointer { columnCoordinates in
                            let context = Pool2DContext(
                                width: width, outHeight: outHeight, outWidth: outWidth, rowOffsets: rowOffsets,
                                columnOffsets: columnOffsets, rowCoordinates: rowCoordinates,
                                columnCoordinates: columnCoordinates)
                            for plane in range {
                                let base = UnsafePointer(source + plane * height * width)
                                let out = target + plane * outHeight * outWidth
                                switch reduction {
                                case .maximum: context.maximum(base, out)
                                case .average(let include):
                                    context.average(
                                        base, out, rowTaps: rows.taps, columnTaps: columns.taps, include: include)
                                case .lp(let p): context.lp(base, out, p: p)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The flattened windows of one 2-D pooling, with one tight loop per reduction.
    private struct Pool2DContext {
        let width: Int
        let outHeight: Int
        let outWidth: Int
        let rowOffsets: UnsafeBufferPointer<Int>
        let columnOffsets: UnsafeBufferPointer<Int>
        let rowCoordinates: UnsafeBufferPointer<Int>
        let columnCoordinates: UnsafeBufferPointer<Int>

        func maximum(_ base: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
            // Interior columns (a full, consecutive window starting at column * stride + shift) run tap by
            // tap across the row, so neighbouring outputs do not wait on each other (eight at a time in
            // `VectorWindows.maxTaps` where the CPU has AVX2, the same comparisons in the same
            // order); the edges use the general lists. NaN never wins a comparison, so an all-NaN window
            // gives -inf on both paths.
            let interior = interiorColumns()
            let inner = interior?.range ?? outWidth..<outWidth
            let edges = [0..<inner.lowerBound, inner.upperBound..<outWidth]
            for outRow in 0..<outHeight {
                let line = out + outRow * outWidth
                line.update(repeating: -.infinity, count: outWidth)
                for rowIndex in rowOffsets[outRow]..<rowOffsets[outRow + 1] {
                    let input = base + rowCoordinates[rowIndex] * width
                    if let interior,
                        !VectorWindows.maxTaps(
                            input + interior.shift + interior.range.lowerBound * interior.stride,
                            stride: interior.stride, taps: interior.taps, into: line + interior.range.lowerBound,
                            count: interior.range.count)
                    {
                        for tap in 0..<interior.taps {
                            let shifted = input + interior.shift + tap
                            for outColumn in interior.range {
                                let value = shifted[outColumn * interior.stride]
                                line[outColumn] = value > line[outColumn] ? value : line[outColumn]
                            }
                        }
                    }
                    for edge in edges {
                        for outColumn in edge {
                            var best = line[outColumn]
                            for columnIndex in columnOffsets[outColumn]..<columnOffsets[outColumn + 1] {
                                let value = input[columnCoordinates[columnIndex]]
                                best = value > best ? value : best
                            }
                            line[outColumn] = best
                        }
                    }
                }
            }
        }

        /// The widest run of output columns whose windows are all `taps` consecutive valid columns
        /// starting at `column * stride + shift`.
        private func interiorColumns() -> (range: Range<Int>, taps: Int, stride: Int, shift: Int)? {
            var best: (range: Range<Int>, taps: Int, stride: Int, shift: Int)?
            var column = 0
            while column + 1 < outWidth {
                func window(_ index: Int) -> (first: Int, count: Int, consecutive: Bool) {
                    let start = columnOffsets[index]
                    let end = columnOffsets[index + 1]
                    let count = end - start
                    let first = count > 0 ? columnCoordinates[start] : 0
                    return (first, count, count == 0 || columnCoordinates[end - 1] - first == count - 1)
                }
                let a = window(column)
                let b = window(column + 1)
                let stride = b.first - a.first
                guard a.consecutive, b.consecutive, a.count > 0, a.count == b.count, stride > 0 else {
                    column += 1
                    continue
                }
                var end = column + 2
                while end < outWidth {
                    let next = window(end)
                    guard next.consecutive, next.count == a.count, next.first == a.first + (end - column) * stride
                    else {
                        break
                    }
                    end += 1
                }
                if end - column > (best?.range.count ?? 0) {
                    best = (column..<end, a.count, stride, a.first - column * stride)
                }
                column = end
            }
            return best
        }

        func average(
            _ base: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, rowTaps: [Int], columnTaps: [Int],
            include: Bool
        ) {
            for outRow in 0..<outHeight {
                let rowStart = rowOffsets[outRow]
                let rowEnd = rowOffsets[outRow + 1]
                for outColumn in 0..<outWidth {
                    let columnStart = columnOffsets[outColumn]
                    let columnEnd = columnOffsets[outColumn + 1]
                    var sum: Float = 0
                    for rowIndex in rowStart..<rowEnd {
                        let line = base + rowCoordinates[rowIndex] * width
                        for columnIndex in columnStart..<columnEnd { sum += line[columnCoordinates[columnIndex]] }
                    }
                    let count =
                        include
                        ? rowTaps[outRow] * columnTaps[outColumn] : (rowEnd - rowStart) * (columnEnd - columnStart)
                    out[outRow * outWidth + outColumn] = sum / Float(max(count, 1))
                }
            }
        }

        func lp(_ base: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, p: Float) {
            for outRow in 0..<outHeight {
                for outColumn in 0..<outWidth {
                    var sum: Float = 0
                    for rowIndex in rowOffsets[outRow]..<rowOffsets[outRow + 1] {
                        let line = base + rowCoordinates[rowIndex] * width
                        for columnIndex in columnOffsets[outColumn]..<columnOffsets[outColumn + 1] {
                            sum += Foundation.pow(Swift.abs(line[columnCoordinates[columnIndex]]), p)
                        }
                    }
                    out[outRow * outWidth + outColumn] = Foundation.pow(sum, 1 / p)
                }
            }
        }
    }

    /// Per-output-position windows flattened: valid coordinates of position `i` are
    /// `coordinates[offsets[i]..<offsets[i + 1]]`; `taps[i]` also counts taps on padding.
    private struct TapTable {
        var offsets: [Int] = [0]
        var coordinates: [Int] = []
        var taps: [Int] = []

        init(_ windows: [[Int]]) {
            for window in windows {
                coordinates += window.filter { $0 >= 0 }
                offsets.append(coordinates.count)
                taps.append(window.count)
            }
        }
    }

    /// For each output position along `axis`: the input coordinate of each tap inside the padded
    /// extent, or -1 for a tap on padding. Taps beyond the padded extent (ceil mode) are left out.
    private static func axisTaps(_ geometry: WindowGeometry, axis: Int) -> [[Int]] {
        let size = geometry.input[axis]
        return (0..<geometry.output[axis]).map { position in
            var result: [Int] = []
            for tap in 0..<geometry.kernel[axis] {
                let coordinate =
                    position * geometry.strides[axis] + tap * geometry.dilations[axis] - geometry.padBegins[axis]
                if coordinate >= size + geometry.padEnds[axis] { continue }
                result.append(coordinate >= 0 && coordinate < size ? coordinate : -1)
            }
            return result
        }
    }

    private static func columnMajorStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in 0..<shape.count {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// Global pooling over every spatial axis.
    static func global(_ x: NDArray, reduction: Reduction) throws -> NDArray {
        guard x.rank >= 2 else { throw KernelError.invalid("X must have rank 2 or more, not \(x.shape)") }
        let input = try widened(x, reduction: reduction)
        let planes = x.shape[0] * x.shape[1]
        let size = Shapes.product(Array(x.shape[2...]))
        let output = try NDArray.uninitialized(
            .float, shape: Array(x.shape[0..<2]) + [Int](repeating: 1, count: x.rank - 2))
        let source = input.pointer(Float.self)
        let target = output.pointer(Float.self)
        Parallel.forChunks(planes, cost: size) { range in
            // The same results from the vector loops where the CPU has AVX2: the per-plane double sums
            // many planes at once, the maxima eight lanes at a time.
            let start = range.lowerBound
            switch reduction {
            case .average where size > 0:
                let sums = UnsafeMutablePointer<Double>.allocate(capacity: range.count)
                defer { sums.deallocate() }
                if VectorWindows.planeSums(source + start * size, planes: range.count, size: size, into: sums) {
                    for plane in range { target[plane] = Float(sums[plane - start] / Double(size)) }
                    return
                }
            case .maximum:
                if VectorWindows.planeMaxima(
                    source + start * size, planes: range.count, size: size, into: target + start)
                {
                    return
                }
            default: break
            }
            for plane in range {
                let row = source + plane * size
                switch reduction {
                case .maximum:
                    var best = -Float.infinity
                    for index in 0..<size where row[index] > best || row[index].isNaN { best = row[index] }
                    target[plane] = best
                case .average:
                    var sum: Double = 0
                    for index in 0..<size { sum += Double(row[index]) }
                    target[plane] = Float(sum / Double(size))
                case .lp(let p):
                    var sum: Float = 0
                    for index in 0..<size { sum += Foundation.pow(Swift.abs(row[index]), p) }
                    target[plane] = Foundation.pow(sum, 1 / p)
                }
            }
        }
        return x.dataType == .float ? output : try ElementConversion.convert(output, to: x.dataType)
    }

    /// MaxUnpool: scatters each value to the flat position MaxPool recorded for it; the rest is zero.
    static func maxUnpool(_ x: NDArray, indices: NDArray, outputShape: [Int]?, window: WindowAttributes) throws
        -> NDArray
    {
        guard x.rank >= 3, indices.shape == x.shape else {
            throw KernelError.invalid("X \(x.shape) and I \(indices.shape) must match and have rank 3 or more")
        }
        guard let kernel = window.kernelShape, kernel.count == x.rank - 2 else {
            throw KernelError.invalidAttribute("kernel_shape is missing or has the wrong length")
        }
        let rank = kernel.count
        let strides = window.strides ?? [Int](repeating: 1, count: rank)
        let pads = window.pads ?? [Int](repeating: 0, count: 2 * rank)
        guard strides.count == rank, pads.count == 2 * rank else {
            throw KernelError.invalidAttribute("strides or pads do not match \(rank) spatial axes")
        }
        try WindowAttributes.checkMagnitudes(kernel, strides, pads)
        let inferred =
            Array(x.shape[0..<2])
            + (0..<rank).map { (x.shape[$0 + 2] - 1) * strides[$0] - (pads[$0] + pads[rank + $0]) + kernel[$0] }
        let shape = outputShape ?? inferred
        guard shape.count == x.rank, zip(shape, inferred).allSatisfy({ $0 >= $1 }) else {
            throw KernelError.invalid("output_shape \(shape) is smaller than the unpooled shape \(inferred)")
        }
        let elementSize = try TypeDispatch.elementSize(x.dataType)
        let scattered = try NDArray(zerosOf: x.dataType, shape: inferred)
        let positions = try IndexKernels.checkedIndices(indices, size: scattered.count, name: "I")
        for (index, position) in positions.enumerated() {
            (scattered.rawPointer + position * elementSize).copyMemory(
                from: x.rawPointer + index * elementSize, byteCount: elementSize)
        }
        if shape == inferred { return scattered }
        let ends = zip(shape, inferred).map { $0 - $1 }
        return try MovementKernels.pad(
            scattered, pads: [Int](repeating: 0, count: x.rank) + ends, axes: nil, mode: "constant", value: nil)
    }
}
