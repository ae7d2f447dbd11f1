import Foundation
import OnnxIR

/// BatchNormalization (inference), LayerNormalization, InstanceNormalization,
/// GroupNormalization, RMSNormalization, LpNormalization and MeanVarianceNormalization.
///
/// Statistics are accumulated in double precision; elementwise work is float32 (other
/// float types are converted to float32 and back).
enum NormalizationKernels {
    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        table[":BatchNormalization"] = batchNormalization
        table[":LayerNormalization"] = { context in
            let axis = try context.int("axis", default: -1)
            let epsilon = try context.float("epsilon", default: 1e-5)
            return { call in
                try layerNormalization(
                    call.input(0), scale: call.input(1), bias: call.optionalInput(2), axis: axis, epsilon: epsilon,
                    rms: false)
            }
        }
        table[":RMSNormalization"] = { context in
            let axis = try context.int("axis", default: -1)
            let epsilon = try context.float("epsilon", default: 1e-5)
            return { call in
                [
                    try layerNormalization(
                        call.input(0), scale: call.input(1), bias: nil, axis: axis, epsilon: epsilon, rms: true)[0]
                ]
            }
        }
        table[":InstanceNormalization"] = { context in
            let epsilon = try context.float("epsilon", default: 1e-5)
            return { call in
                let x = try call.input(0)
                guard x.rank >= 2 else { throw KernelError.invalid("X must have rank 2 or more") }
                let channels = x.shape[1]
                return [
                    try groupNormalization(
                        x, scale: call.input(1), bias: call.input(2), groups: channels, epsilon: epsilon,
                        perChannel: true)
                ]
            }
        }
        table[":GroupNormalization"] = { context in
            let epsilon = try context.float("epsilon", default: 1e-5)
            guard let groups = try context.optionalInt("num_groups") else {
                throw KernelError.invalidAttribute("num_groups is missing")
            }
            let perChannel = context.opsetVersion >= 21
            return { call in
                [
                    try groupNormalization(
                        call.input(0), scale: call.input(1), bias: call.input(2), groups: groups, epsilon: epsilon,
                        perChannel: perChannel)
                ]
            }
        }
        table[":LpNormalization"] = { context in
            let axis = try context.int("axis", default: -1)
            let p = try context.int("p", default: 2)
            guard p == 1 || p == 2 else { throw KernelError.invalidAttribute("p must be 1 or 2") }
            return { call in [try lpNormalization(call.input(0), axis: axis, p: p)] }
        }
        table[":LRN"] = { context in
            guard let size = try context.optionalInt("size"), size > 0 else {
                throw KernelError.invalidAttribute("size must be a positive int")
            }
            let alpha = try context.float("alpha", default: 1e-4)
            let beta = try context.float("beta", default: 0.75)
            let bias = try context.float("bias", default: 1)
            return { call in
                [try localResponseNormalization(call.input(0), size: size, alpha: alpha, beta: beta, bias: bias)]
            }
        }
        table[":MeanVarianceNormalization"] = { context in
            let axes = try context.ints("axes") ?? [0, 2, 3]
            return { call in [try meanVarianceNormalization(call.input(0), axes: axes)] }
        }
    }

    private static func batchNormalization(_ context: NodeContext) throws -> Kernel {
        let epsilon = try context.float("epsilon", default: 1e-5)
        if context.opsetVersion >= 14, try context.int("training_mode", default: 0) != 0 {
            let momentum = try context.float("momentum", default: 0.9)
            return { call in
                try trainingBatchNormalization(
                    call.input(0), scale: call.input(1), bias: call.input(2), mean: call.input(3),
                    variance: call.input(4), epsilon: epsilon, momentum: momentum)
            }
        }
        if context.opsetVersion < 9, try context.int("spatial", default: 1) == 0 {
            throw KernelError.unsupported("spatial=0")
        }
        return { call in
            [
                try batchNormalization(
                    call.input(0), scale: call.input(1), bias: call.input(2), mean: call.input(3),
                    variance: call.input(4), epsilon: epsilon)
            ]
        }
    }

    /// `(x - mean) / sqrt(variance + epsilon) * scale + bias`, per channel (axis 1).
    static func batchNormalization(
        _ x: NDArray, scale: NDArray, bias: NDArray, mean: NDArray, variance: NDArray, epsilon: Float
    ) throws -> NDArray {
        guard x.rank >= 2 else { throw KernelError.invalid("X must have rank 2 or more, not \(x.shape)") }
        let channels = x.shape[1]
        let parameters = try [scale, bias, mean, variance].map { array -> [Float] in
            guard array.count == channels else {
                throw KernelError.invalid("parameter of shape \(array.shape) does not match \(channels) channels")
            }
            return try array.floatValues()
        }
        let multipliers = (0..<channels).map { parameters[0][$0] / (parameters[3][$0] + epsilon).squareRoot() }
        let offsets = (0..<channels).map { parameters[1][$0] - parameters[2][$0] * multipliers[$0] }
        return try ConvKernels.inFloat([x]) { arrays in
            guard let input = arrays[0] else { throw KernelError.invalid("X is missing") }
            let output = try NDArray.uninitialized(.float, shape: input.shape)
            let size = Shapes.product(input.shape, 2..<input.rank)
            let source = input.pointer(Float.self)
            let target = output.pointer(Float.self)
            Parallel.forChunks(input.shape[0] * channels, cost: size) { range in
                for plane in range {
                    let a = multipliers[plane % channels]
                    let b = offsets[plane % channels]
                    let from = source + plane * size
                    let to = target + plane * size
                    for index in 0..<size { to[index] = from[index] * a + b }
                }
            }
            return output
        }
    }

    /// Training-mode BatchNormalization: normalizes with the batch's own statistics and returns Y
    /// with the updated running mean and variance (`running * momentum + batch * (1 - momentum)`).
    static func trainingBatchNormalization(
        _ x: NDArray, scale: NDArray, bias: NDArray, mean: NDArray, variance: NDArray, epsilon: Float, momentum: Float
    ) throws -> [NDArray?] {
        guard x.rank >= 2 else { throw KernelError.invalid("X must have rank 2 or more, not \(x.shape)") }
        let channels = x.shape[1]
        let values = try x.floatValues()
        let size = Shapes.product(x.shape, 2..<x.rank)
        var batchMeans = [Float](repeating: 0, count: channels)
        var batchVariances = [Float](repeating: 0, count: channels)
        for channel in 0..<channels {
            var sum: Double = 0
            for image in 0..<x.shape[0] {
                for index in 0..<size { sum += Double(values[(image * channels + channel) * size + index]) }
            }
            let count = Double(max(x.shape[0] * size, 1))
            let average = sum / count
            var squares: Double = 0
            for image in 0..<x.shape[0] {
                for index in 0..<size {
                    let difference = Double(values[(image * channels + channel) * size + index]) - average
                    squares += difference * difference
                }
            }
            batchMeans[channel] = Float(average)
            batchVariances[channel] = Float(squares / count)
        }
        let statisticsMean = try NDArray(floats: batchMeans, shape: [channels])
        let statisticsVariance = try NDArray(floats: batchVariances, shape: [channels])
        let y = try batchNormalization(
            x, scale: scale, bias: bias, mean: statisticsMean, variance: statisticsVariance, epsilon: epsilon)
        let runningMean = try mean.floatValues()
        let runningVariance = try variance.floatValues()
        let updatedMean = (0..<channels).map { runningMean[$0] * momentum + batchMeans[$0] * (1 - momentum) }
        let updatedVariance = (0..<channels).map {
            runningVariance[$0] * momentum + batchVariances[$0] * (1 - momentum)
        }
        return [
            y, try ElementConversion.convert(NDArray(floats: updatedMean, shape: mean.shape), to: mean.dataType),
            try ElementConversion.convert(
                NDArray(floats: updatedVariance, shape: variance.shape), to: variance.dataType),
        ]
    }

    /// LayerNormalization (or, with `rms`, RMSNormalization) over the axes from `axis` on.
    /// Returns Y, Mean and InvStdDev.
    static func layerNormalization(
        _ x: NDArray, scale: NDArray, bias: NDArray?, axis requested: Int, epsilon: Float, rms: Bool
    ) throws -> [NDArray?] {
        let axis = requested < 0 ? requested + x.rank : requested
        guard axis >= 0, axis < max(x.rank, 1) else {
            throw KernelError.invalid("axis \(requested) is out of range for rank \(x.rank)")
        }
        let type = x.dataType
        guard type.isFloatingPoint, [.float, .double, .float16, .bfloat16].contains(type) else {
            throw KernelError.unsupportedType("\(type)")
        }
        let input = try ElementConversion.convert(x, to: .float)
        let rows = Shapes.product(x.shape, 0..<axis)
        let columns = Shapes.product(x.shape, axis..<x.rank)
        let normalized = try NDArray.uninitialized(.float, shape: x.shape)
        let statisticsShape = Array(x.shape[0..<axis]) + [Int](repeating: 1, count: x.rank - axis)
        let means = try NDArray.uninitialized(.float, shape: statisticsShape)
        let inverses = try NDArray.uninitialized(.float, shape: statisticsShape)
        let source = input.pointer(Float.self)
        let target = normalized.pointer(Float.self)
        let meanTarget = means.pointer(Float.self)
        let inverseTarget = inverses.pointer(Float.self)
        Parallel.forChunks(rows, cost: columns * 3) { range in
            for row in range {
                let line = source + row * columns
                var mean: Double = 0
                if !rms {
                    for index in 0..<columns { mean += Double(line[index]) }
                    mean /= Double(columns)
                }
                var variance: Double = 0
                for index in 0..<columns {
                    let difference = Double(line[index]) - mean
                    variance += difference * difference
                }
                variance /= Double(columns)
                let inverse = 1 / (variance + Double(epsilon)).squareRoot()
                let out = target + row * columns
                let meanFloat = Float(mean)
                let inverseFloat = Float(inverse)
                for index in 0..<columns { out[index] = (line[index] - meanFloat) * inverseFloat }
                meanTarget[row] = meanFloat
                inverseTarget[row] = inverseFloat
            }
        }
        var result = try affine(
            normalized, scale: ElementConversion.convert(scale, to: .float),
            bias: bias.map { try ElementConversion.convert($0, to: .float) }, columns: columns)
        if type != .float { result = try ElementConversion.convert(result, to: type) }
        return [
            result, try ElementConversion.convert(means, to: type), try ElementConversion.convert(inverses, to: type),
        ]
    }

    /// `y * scale + bias` with numpy broadcasting, in place when scale and bias cover the trailing `columns`.
    private static func affine(_ y: NDArray, scale: NDArray, bias: NDArray?, columns: Int) throws -> NDArray {
        let trailing = { (array: NDArray) -> Bool in
            array.count == columns && array.rank <= y.rank
                && Array(y.shape.suffix(array.rank)) == array.shape
                && Shapes.product(Array(y.shape.suffix(array.rank))) == columns
        }
        if trailing(scale) && (bias.map(trailing) ?? true) {
            let target = y.pointer(Float.self)
            let scales = scale.pointer(Float.self)
            let biases = bias?.pointer(Float.self)
            let rows = y.count / max(columns, 1)
            Parallel.forChunks(rows, cost: columns) { range in
                for row in range {
                    let line = target + row * columns
                    if let biases {
                        for index in 0..<columns { line[index] = line[index] * scales[index] + biases[index] }
                    } else {
                        for index in 0..<columns { line[index] *= scales[index] }
                    }
                }
            }
            return y
        }
        var result = try ArithmeticKernels.apply(.multiply, y, scale, reuseA: true)
        if let bias { result = try ArithmeticKernels.apply(.add, result, bias, reuseA: true) }
        return result
    }

    /// Group (or instance) normalization over [N, C, spatial...]: statistics per (n, group).
    static func groupNormalization(
        _ x: NDArray, scale: NDArray, bias: NDArray, groups: Int, epsilon: Float, perChannel: Bool
    ) throws -> NDArray {
        guard x.rank >= 2 else { throw KernelError.invalid("X must have rank 2 or more, not \(x.shape)") }
        let channels = x.shape[1]
        guard groups > 0, channels % groups == 0 else {
            throw KernelError.invalid("\(channels) channels do not divide into \(groups) groups")
        }
        let expected = perChannel ? channels : groups
        guard scale.count == expected, bias.count == expected else {
            throw KernelError.invalid("scale and bias need \(expected) values, got \(scale.count) and \(bias.count)")
        }
        let scales = try scale.floatValues()
        let biases = try bias.floatValues()
        let size = Shapes.product(x.shape, 2..<x.rank)
        let groupChannels = channels / groups
        return try ConvKernels.inFloat([x]) { arrays in
            guard let input = arrays[0] else { throw KernelError.invalid("X is missing") }
            let output = try NDArray.uninitialized(.float, shape: input.shape)
            let source = input.pointer(Float.self)
            let target = output.pointer(Float.self)
            let blockSize = groupChannels * size
            Parallel.forChunks(input.shape[0] * groups, cost: blockSize * 3) { range in
                for block in range {
                    let from = source + block * blockSize
                    var mean: Double = 0
                    for index in 0..<blockSize { mean += Double(from[index]) }
                    mean /= Double(max(blockSize, 1))
                    var variance: Double = 0
                    for index in 0..<blockSize {
                        let difference = Double(from[index]) - mean
                        variance += difference * difference
                    }
                    variance /= Double(max(blockSize, 1))
                    let inverse = Float(1 / (variance + Double(epsilon)).squareRoot())
                    let meanFloat = Float(mean)
                    let group = block % groups
                    for channelInGroup in 0..<groupChannels {
                        let parameter = perChannel ? group * groupChannels + channelInGroup : group
                        let a = scales[parameter] * inverse
                        let b = biases[parameter] - meanFloat * a
                        let offset = channelInGroup * size
                        let to = target + block * blockSize + offset
                        for index in 0..<size { to[index] = from[offset + index] * a + b }
                    }
                }
            }
            return output
        }
    }

    /// `x / ||x||_p` along `axis`.
    static func lpNormalization(_ x: NDArray, axis requested: Int, p: Int) throws -> NDArray {
        let axis = try Shapes.normalizeAxis(requested, rank: x.rank)
        return try ConvKernels.inFloat([x]) { arrays in
            guard let input = arrays[0] else { throw KernelError.invalid("X is missing") }
            let output = try NDArray.uninitialized(.float, shape: input.shape)
            let outer = Shapes.product(input.shape, 0..<axis)
            let length = input.shape[axis]
            let inner = Shapes.product(input.shape, (axis + 1)..<input.rank)
            let source = input.pointer(Float.self)
            let target = output.pointer(Float.self)
            for row in 0..<outer {
                for column in 0..<inner {
                    let base = row * length * inner + column
                    var norm: Double = 0
                    for index in 0..<length {
                        let value = Double(source[base + index * inner])
                        norm += p == 1 ? Swift.abs(value) : value * value
                    }
                    if p == 2 { norm = norm.squareRoot() }
                    for index in 0..<length {
                        target[base + index * inner] =
                            norm == 0 ? 0 : Float(Double(source[base + index * inner]) / norm)
                    }
                }
            }
            return output
        }
    }

    /// LRN: `x / (bias + alpha / size * Σ x²)^beta`, the sum over `size` neighbouring channels.
    static func localResponseNormalization(_ x: NDArray, size: Int, alpha: Float, beta: Float, bias: Float) throws
        -> NDArray
    {
        guard x.rank >= 3 else { throw KernelError.invalid("X must have rank 3 or more, not \(x.shape)") }
        return try ConvKernels.inFloat([x]) { arrays in
            guard let input = arrays[0] else { throw KernelError.invalid("X is missing") }
            let channels = input.shape[1]
            let plane = Shapes.product(input.shape, 2..<input.rank)
            let before = (size - 1) / 2
            let after = size - 1 - before
            let output = try NDArray.uninitialized(.float, shape: input.shape)
            let source = input.pointer(Float.self)
            let target = output.pointer(Float.self)
            Parallel.forChunks(input.shape[0] * channels, cost: plane * size) { range in
                for slice in range {
                    let (image, channel) = slice.quotientAndRemainder(dividingBy: channels)
                    let first = max(0, channel - before)
                    let last = min(channels - 1, channel + after)
                    for index in 0..<plane {
                        var sum: Float = 0
                        for neighbour in first...last {
                            let value = source[(image * channels + neighbour) * plane + index]
                            sum += value * value
                        }
                        let offset = slice * plane + index
                        target[offset] = source[offset] / Foundation.pow(bias + alpha / Float(size) * sum, beta)
                    }
                }
            }
            return output
        }
    }

    /// `(x - mean) / (sqrt(E[x²] - mean²) + 1e-9)` over `axes`, as ONNX's function body defines it.
    static func meanVarianceNormalization(_ x: NDArray, axes: [Int]) throws -> NDArray {
        let mean = try ReductionKernels.reduce(x, axes: axes, keepDims: true, operation: .mean)
        let squared = try ArithmeticKernels.apply(.multiply, x, x, reuseA: false)
        let meanOfSquares = try ReductionKernels.reduce(squared, axes: axes, keepDims: true, operation: .mean)
        let squaredMean = try ArithmeticKernels.apply(.multiply, mean, mean, reuseA: false)
        let variance = try ArithmeticKernels.apply(.subtract, meanOfSquares, squaredMean, reuseA: true)
        let deviation = try UnaryKernels.apply(.sqrt, to: variance, reuse: true)
        let denominator = try ArithmeticKernels.apply(
            .add, deviation, NDArray.scalar(1e-9, as: x.dataType), reuseA: true)
        let centered = try ArithmeticKernels.apply(.subtract, x, mean, reuseA: false)
        return try ArithmeticKernels.apply(.divide, centered, denominator, reuseA: true)
    }
}
