import Foundation
import OnnxIR

/// Resize (every opset form) and Upsample, computed axis by axis as ONNX's reference does:
/// each output coordinate maps back to the input, takes n neighbouring samples (edge
/// clamped) and weights them (nearest, linear, cubic, with optional antialiasing).
enum ResizeKernels {
    /// The interpolation.
    enum Mode: String {
        case nearest, linear, cubic
    }

    /// Everything the attributes decide.
    struct Options {
        var mode: Mode = .nearest
        var coordinates = "half_pixel"
        var nearestMode = "round_prefer_floor"
        var cubicA: Double = -0.75
        var excludeOutside = false
        var extrapolation: Float = 0
        var antialias = false
        var axes: [Int]?
        var keepAspectRatio = "stretch"
    }

    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        table[":Resize"] = resizeBuilder
        table[":Upsample"] = { context in
            let options = try legacyOptions(context)
            let attributeScales = try context.floats("scales")
            return { call in
                let scales =
                    try attributeScales.map { $0.map { Double($0) } }
                    ?? call.optionalInput(1).map {
                        try ElementConversion.convert($0, to: .double).elements(as: Double.self)
                    }
                guard let scales else { throw KernelError.invalid("scales are missing") }
                return [try resize(call.input(0), roi: nil, scales: scales, sizes: nil, options: options)]
            }
        }
    }

    private static func legacyOptions(_ context: NodeContext) throws -> Options {
        var options = Options()
        let mode = try context.string("mode", default: "nearest")
        guard let parsed = Mode(rawValue: mode == "bilinear" ? "linear" : mode), parsed != .cubic else {
            throw KernelError.invalidAttribute("mode '\(mode)' is not nearest or linear")
        }
        options.mode = parsed
        options.coordinates = "asymmetric"
        options.nearestMode = "floor"
        return options
    }

    private static func resizeBuilder(_ context: NodeContext) throws -> Kernel {
        if context.opsetVersion < 11 {
            let options = try legacyOptions(context)
            return { call in
                guard
                    let scales = try call.optionalInput(1).map({
                        try ElementConversion.convert($0, to: .double).elements(as: Double.self)
                    })
                else { throw KernelError.invalid("scales are missing") }
                return [try resize(call.input(0), roi: nil, scales: scales, sizes: nil, options: options)]
            }
        }
        var options = Options()
        let mode = try context.string("mode", default: "nearest")
        guard let parsed = Mode(rawValue: mode) else {
            throw KernelError.invalidAttribute("mode '\(mode)' is not nearest, linear or cubic")
        }
        options.mode = parsed
        options.coordinates = try context.string("coordinate_transformation_mode", default: "half_pixel")
        let known = [
            "half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric",
            "tf_crop_and_resize", "tf_half_pixel_for_nn",
        ]
        guard known.contains(options.coordinates) else {
            throw KernelError.invalidAttribute("coordinate_transformation_mode '\(options.coordinates)' is unknown")
        }
        options.nearestMode = try context.string("nearest_mode", default: "round_prefer_floor")
        guard ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"].contains(options.nearestMode) else {
            throw KernelError.invalidAttribute("nearest_mode '\(options.nearestMode)' is unknown")
        }
        options.cubicA = Double(try context.float("cubic_coeff_a", default: -0.75))
        options.excludeOutside = try context.int("exclude_outside", default: 0) != 0
        options.extrapolation = try context.float("extrapolation_value", default: 0)
        options.antialias = try context.int("antialias", default: 0) != 0
        options.axes = try context.ints("axes")
        options.keepAspectRatio = try context.string("keep_aspect_ratio_policy", default: "stretch")
        guard ["stretch", "not_larger", "not_smaller"].contains(options.keepAspectRatio) else {
            throw KernelError.invalidAttribute("keep_aspect_ratio_policy '\(options.keepAspectRatio)' is unknown")
        }
        if options.antialias && options.mode == .nearest {
            throw KernelError.invalidAttribute("antialias is not defined for nearest mode")
        }
        return { call in
            let roi = try call.optionalInput(1).flatMap { array -> [Double]? in
                array.count == 0 ? nil : try ElementConversion.convert(array, to: .double).elements(as: Double.self)
            }
            let scales = try call.optionalInput(2).flatMap { array -> [Double]? in
                array.count == 0 ? nil : try ElementConversion.convert(array, to: .double).elements(as: Double.self)
            }
            let sizes = try call.optionalInput(3).flatMap { array -> [Int]? in
                array.count == 0 ? nil : try IntegerReading.values(of: array, name: call.inputName(3))
            }
            return [try resize(call.input(0), roi: roi, scales: scales, sizes: sizes, options: options)]
        }
    }

    /// Resizes `x` to the given scales or sizes (exactly one of them), over `options.axes` or every axis.
    static func resize(
        _ x: NDArray, roi givenROI: [Double]?, scales givenScales: [Double]?, sizes givenSizes: [Int]?,
        options: Options
    ) throws -> NDArray {
        let rank = x.rank
        let axes = try options.axes.map { try Shapes.normalizeAxes($0, rank: rank) } ?? Array(0..<rank)
        guard (givenScales == nil) != (givenSizes == nil) else {
            throw KernelError.invalid("exactly one of scales and sizes must be given")
        }
        var scales = [Double](repeating: 1, count: rank)
        var sizes = x.shape
        var roi: [Double]? = nil
        if let givenROI {
            guard givenROI.count == 2 * axes.count else {
                throw KernelError.invalid("roi has \(givenROI.count) values, \(2 * axes.count) are needed")
            }
            var full = [Double](repeating: 0, count: rank) + [Double](repeating: 1, count: rank)
            for (index, axis) in axes.enumerated() {
                full[axis] = givenROI[index]
                full[rank + axis] = givenROI[axes.count + index]
            }
            roi = full
        }
        if let givenScales {
            guard givenScales.count == axes.count else {
                throw KernelError.invalid("scales has \(givenScales.count) values for \(axes.count) axes")
            }
            for (index, axis) in axes.enumerated() {
                guard givenScales[index] > 0, givenScales[index].isFinite else {
                    throw KernelError.invalid("scale \(givenScales[index]) is not positive")
                }
                scales[axis] = givenScales[index]
                let size = givenScales[index] * Double(x.shape[axis])
                guard size < 0x1p40 else { throw KernelError.invalid("scale \(givenScales[index]) is too large") }
                sizes[axis] = Int(size)
            }
        } else if let givenSizes {
            guard givenSizes.count == axes.count, givenSizes.allSatisfy({ $0 >= 0 }) else {
                throw KernelError.invalid("sizes \(givenSizes) do not fit \(axes.count) axes")
            }
            for (index, axis) in axes.enumerated() {
                sizes[axis] = givenSizes[index]
                scales[axis] = Double(givenSizes[index]) / Double(x.shape[axis])
            }
            if options.keepAspectRatio != "stretch" {
                let chosen = axes.map { scales[$0] }
                let scale = options.keepAspectRatio == "not_larger" ? chosen.min() ?? 1 : chosen.max() ?? 1
                for axis in axes {
                    scales[axis] = scale
                    sizes[axis] = Int(scale * Double(x.shape[axis]) + 0.5)
                }
            }
        }
        _ = try NDArray.byteCount(of: .float, count: NDArray.elementCount(of: sizes))
        var current = x.dataType == .float ? x : try ElementConversion.convert(x, to: .float)
        for axis in axes {
            let identity =
                Swift.abs(scales[axis] - 1) < 1e-9 && sizes[axis] == current.shape[axis]
                && (roi.map { Swift.abs($0[axis]) < 1e-9 && Swift.abs($0[rank + axis] - 1) < 1e-9 } ?? true)
            if identity { continue }
            let plan = try axisPlan(
                input: current.shape[axis], output: sizes[axis], scale: scales[axis],
                roi: roi.map { ($0[axis], $0[rank + axis]) }, options: options)
            current = try resample(current, axis: axis, plan: plan, extrapolation: options.extrapolation)
        }
        if x.dataType == .float { return current }
        if x.dataType.isInteger {
            let rounded = try UnaryKernels.apply(.round, to: current, reuse: true)
            return try saturatingConvert(rounded, to: x.dataType)
        }
        return try ElementConversion.convert(current, to: x.dataType)
    }

    private static func saturatingConvert(_ floats: NDArray, to type: DataType) throws -> NDArray {
        let (low, high): (Float, Float)
        switch type {
        case .int8: (low, high) = (-128, 127)
        case .uint8: (low, high) = (0, 255)
        case .int16: (low, high) = (-32768, 32767)
        case .uint16: (low, high) = (0, 65535)
        default: return try ElementConversion.convert(floats, to: type)
        }
        let clipped = try UnaryKernels.clip(
            floats, low: NDArray(floats: [low], shape: []), high: NDArray(floats: [high], shape: []), reuse: true)
        return try ElementConversion.convert(clipped, to: type)
    }

    /// The taps of one axis: for each output index, `taps` clamped input indices and weights.
    struct AxisPlan {
        let output: Int
        let taps: Int
        let indices: [Int]
        let weights: [Float]
        let extrapolated: [Bool]?

        /// When every output takes exactly one input with weight 1 (nearest), that input's index.
        var selection: [Int]? {
            var picks: [Int] = []
            picks.reserveCapacity(output)
            for position in 0..<output {
                var chosen: Int?
                for tap in 0..<taps {
                    let weight = weights[position * taps + tap]
                    if weight == 1 && chosen == nil {
                        chosen = indices[position * taps + tap]
                    } else if weight != 0 {
                        return nil
                    }
                }
                guard let chosen else { return nil }
                picks.append(chosen)
            }
            return picks
        }
    }

    private static func axisPlan(input: Int, output: Int, scale: Double, roi: (Double, Double)?, options: Options)
        throws -> AxisPlan
    {
        guard input > 0 || output == 0 else { throw KernelError.invalid("cannot resize an empty axis to \(output)") }
        let outputWidth = scale * Double(input)
        var indices: [Int] = []
        var weights: [Float] = []
        var extrapolated: [Bool]? = options.coordinates == "tf_crop_and_resize" ? [] : nil
        var taps = 0
        for position in 0..<output {
            let y = Double(position)
            let original: Double
            switch options.coordinates {
            case "align_corners":
                original = outputWidth == 1 ? 0 : y * Double(input - 1) / (outputWidth - 1)
            case "asymmetric":
                original = y / scale
            case "tf_crop_and_resize":
                guard let roi else { throw KernelError.invalid("tf_crop_and_resize needs roi") }
                let base =
                    outputWidth == 1
                    ? (roi.1 - roi.0) * Double(input - 1) / 2
                    : y * (roi.1 - roi.0) * Double(input - 1) / (outputWidth - 1)
                original = base + roi.0 * Double(input - 1)
                extrapolated?.append(original < 0 || original > Double(input - 1))
            case "pytorch_half_pixel":
                original = outputWidth == 1 ? -0.5 : (y + 0.5) / scale - 0.5
            case "half_pixel_symmetric":
                let adjustment = Double(output) / outputWidth
                let center = Double(input) / 2
                original = center * (1 - adjustment) + (y + 0.5) / scale - 0.5
            case "tf_half_pixel_for_nn":
                original = (y + 0.5) / scale
            default:
                original = (y + 0.5) / scale - 0.5
            }
            let floorValue = Foundation.floor(original)
            let ratio = original == floorValue ? 1 : original - floorValue
            var coefficients = coefficientsFor(ratio: ratio, scale: scale, options: options)
            let count = coefficients.count
            taps = count
            let pad = Double((count + 1) / 2)
            let padded = original + pad
            let p = Foundation.floor(padded)
            let fraction = padded - p
            let offset: Double
            if count % 2 == 0 {
                offset = fraction == 0 ? -Double(count / 2) : -Double(count / 2) + 1
            } else {
                let base = -Double((count - 1) / 2)
                offset = fraction <= 0.5 ? base : base + 1
            }
            guard (p + offset).magnitude < 0x1p52 else { throw KernelError.invalid("resize coordinate is not finite") }
            let start = Int(p + offset) - Int(pad)
            if options.excludeOutside {
                var total: Double = 0
                for tap in 0..<count {
                    let index = start + tap
                    if index < 0 || index >= input { coefficients[tap] = 0 }
                    total += coefficients[tap]
                }
                if total == 0 { total = 1 }
                for tap in 0..<count { coefficients[tap] /= total }
            }
            for tap in 0..<count {
                indices.append(min(max(start + tap, 0), input - 1))
                weights.append(Float(coefficients[tap]))
            }
        }
        return AxisPlan(output: output, taps: taps, indices: indices, weights: weights, extrapolated: extrapolated)
    }

    private static func coefficientsFor(ratio: Double, scale: Double, options: Options) -> [Double] {
        switch options.mode {
        case .nearest:
            if ratio == 1 { return [0, 1] }
            switch options.nearestMode {
            case "round_prefer_ceil": return ratio < 0.5 ? [1, 0] : [0, 1]
            case "floor": return [1, 0]
            case "ceil": return [0, 1]
            default: return ratio <= 0.5 ? [1, 0] : [0, 1]
            }
        case .linear:
            guard options.antialias else { return [1 - ratio, ratio] }
            let clamped = min(scale, 1)
            let start = Int(Foundation.floor(-1 / clamped) + 1)
            let footprint = 2 - 2 * start
            let raw = (0..<footprint).map { index -> Double in
                max(0, min(1, 1 - Swift.abs((Double(start + index) - ratio) * clamped)))
            }
            let total = raw.reduce(0, +)
            return raw.map { $0 / total }
        case .cubic:
            let a = options.cubicA
            guard options.antialias else {
                let r = ratio
                let s = 1 - ratio
                return [
                    ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
                    ((a + 2) * r - (a + 3)) * r * r + 1,
                    ((a + 2) * s - (a + 3)) * s * s + 1,
                    ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a,
                ]
            }
            let clamped = min(scale, 1)
            let start = Int(Foundation.floor(-2 / clamped) + 1)
            let end = 2 - start
            let raw = (start..<end).map { index -> Double in
                let x = Swift.abs(clamped * (Double(index) - ratio))
                if x <= 1 { return (a + 2) * x * x * x - (a + 3) * x * x + 1 }
                if x < 2 { return a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a }
                return 0
            }
            let total = raw.reduce(0, +)
            return raw.map { $0 / total }
        }
    }

    /// Applies an axis plan to float32 `x` along `axis`.
    private static func resample(_ x: NDArray, axis: Int, plan: AxisPlan, extrapolation: Float) throws -> NDArray {
        var shape = x.shape
        let length = shape[axis]
        shape[axis] = plan.output
        let output = try NDArray.uninitialized(.float, shape: shape)
        let outer = Shapes.product(x.shape, 0..<axis)
        let inner = Shapes.product(x.shape, (axis + 1)..<x.rank)
        let source = x.pointer(Float.self)
        let target = output.pointer(Float.self)
        let taps = plan.taps
        let outputLength = plan.output
        if let picks = plan.selection {
            // Nearest: every output takes one input row; copy instead of weighting.
            if inner == 1 {
                // The last axis: one pass per row, without a division per element.
                let flags = plan.extrapolated
                picks.withUnsafeBufferPointer { picks in
                    Parallel.forChunks(outer, cost: outputLength) { rows in
                        for row in rows {
                            let from = source + row * length
                            let destination = target + row * outputLength
                            for position in 0..<outputLength {
                                if let flags, flags[position] {
                                    destination[position] = extrapolation
                                } else {
                                    destination[position] = from[picks[position]]
                                }
                            }
                        }
                    }
                }
                return output
            }
            picks.withUnsafeBufferPointer { picks in
                Parallel.forChunks(outer * outputLength, cost: inner) { range in
                    for slot in range {
                        let (row, position) = slot.quotientAndRemainder(dividingBy: outputLength)
                        let destination = target + slot * inner
                        if let flags = plan.extrapolated, flags[position] {
                            destination.update(repeating: extrapolation, count: inner)
                            continue
                        }
                        let from = source + (row * length + picks[position]) * inner
                        if inner == 1 { destination[0] = from[0] } else { destination.update(from: from, count: inner) }
                    }
                }
            }
            return output
        }
        plan.indices.withUnsafeBufferPointer { indices in
            plan.weights.withUnsafeBufferPointer { weights in
                Parallel.forChunks(outer * outputLength, cost: inner * taps) { range in
                    for slot in range {
                        let (row, position) = slot.quotientAndRemainder(dividingBy: outputLength)
                        let destination = target + slot * inner
                        if let flags = plan.extrapolated, flags[position] {
                            destination.update(repeating: extrapolation, count: inner)
                            continue
                        }
                        let base = source + row * length * inner
                        let first = position * taps
                        if inner == 1 {
                            var sum: Float = 0
                            for tap in 0..<taps where weights[first + tap] != 0 {
                                sum += weights[first + tap] * base[indices[first + tap]]
                            }
                            destination[0] = sum
                            continue
                        }
                        destination.update(repeating: 0, count: inner)
                        for tap in 0..<taps {
                            let weight = weights[first + tap]
                            if weight == 0 { continue }
                            let line = base + indices[first + tap] * inner
                            for index in 0..<inner { destination[index] += weight * line[index] }
                        }
                    }
                }
            }
        }
        return output
    }
}
