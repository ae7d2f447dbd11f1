import CVectorMath

/// An elementwise function of one float, with its attributes bound.
enum FloatFunction {
    case exp, log, sqrt, reciprocal, floor, ceil, round
    case sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, asinh, acosh, atanh
    case erf, sigmoid, softplus, softsign, mish
    case leakyRelu(alpha: Float)
    case hardSigmoid(alpha: Float, beta: Float)
    case hardSwish
    case gelu(tanhApproximation: Bool)
    case elu(alpha: Float)
    case selu(alpha: Float, gamma: Float)
    case celu(alpha: Float)
    case thresholdedRelu(alpha: Float)
    case swish(alpha: Float)

    /// Relative cost against one add, so cheap functions stay on one thread for mid-size tensors.
    var cost: Int {
        switch self {
        case .floor, .ceil, .round, .reciprocal, .leakyRelu, .hardSigmoid, .hardSwish, .thresholdedRelu,
            .softsign:
            return 1
        case .sqrt: return 4
        default: return 16
        }
    }

    /// Applies the function to every element: `output[i] = f(input[i])`, on both cores when large.
    func apply<T: FloatMath>(_ input: UnsafePointer<T>, _ output: UnsafeMutablePointer<T>, count: Int) {
        if T.self == Float.self, hasVectorRun {
            let source = UnsafeRawPointer(input).assumingMemoryBound(to: Float.self)
            let target = UnsafeMutableRawPointer(output).assumingMemoryBound(to: Float.self)
            Parallel.forChunks(count, cost: cost) { range in
                _ = vectorRun(source + range.lowerBound, target + range.lowerBound, count: range.count)
            }
            return
        }
        Parallel.forChunks(count, cost: cost) { range in applyRange(input, output, range) }
    }

    /// `apply` on the calling thread: the same bits for every element, for callers that split the work themselves.
    func applySerial(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
        if vectorRun(input, output, count: count) { return }
        applyRange(input, output, 0..<count)
    }

    /// Whether `vectorRun` computes this function.
    private var hasVectorRun: Bool {
        switch self {
        case .tanh: return VectorKernels.available
        case .erf, .gelu(tanhApproximation: false): return true
        default: return false
        }
    }

    /// Float `tanh` on eight lanes, `erf` and exact `gelu` through `VectorErf` (glibc's results),
    /// each bit for bit what `applyRange` gives, on the calling thread; false for the rest.
    private func vectorRun(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, count: Int) -> Bool {
        switch self {
        case .tanh:
            // FastTanh's operations on eight lanes (`CVectorMath`'s `qdqc_fast_tanhf`), the same bits.
            guard VectorKernels.available else { return false }
            _ = qdqc_fast_tanhf(source, target, count)
        case .erf:
            VectorErf.apply(source, target, count: count)
        case .gelu(tanhApproximation: false):
            let inverseRoot2 = 1 / Float.sqrt(2)
            withUnsafeTemporaryAllocation(of: Float.self, capacity: VectorErf.chunk) { scratch in
                guard let erf = scratch.baseAddress else { return }
                var start = 0
                while start < count {
                    let length = min(VectorErf.chunk, count - start)
                    for index in 0..<length { erf[index] = source[start + index] * inverseRoot2 }
                    VectorErf.apply(erf, erf, count: length)
                    for index in 0..<length {
                        target[start + index] = source[start + index] / 2 * (1 + erf[index])
                    }
                    start += length
                }
            }
        default:
            return false
        }
        return true
    }

    /// Applies the function to the elements in `range` on the calling thread.
    @inline(__always)
    private func applyRange<T: FloatMath>(
        _ input: UnsafePointer<T>, _ output: UnsafeMutablePointer<T>, _ range: Range<Int>
    ) {
        let one = T.oneValue
        let zero = T.zeroValue
        switch self {
        case .exp: ElementwiseLoops.mapRange(input, output, range) { T.exp($0) }
        case .log: ElementwiseLoops.mapRange(input, output, range) { T.log($0) }
        case .sqrt: ElementwiseLoops.mapRange(input, output, range) { T.sqrt($0) }
        case .reciprocal: ElementwiseLoops.mapRange(input, output, range) { one / $0 }
        case .floor: ElementwiseLoops.mapRange(input, output, range) { $0.rounded(.down) }
        case .ceil: ElementwiseLoops.mapRange(input, output, range) { $0.rounded(.up) }
        case .round: ElementwiseLoops.mapRange(input, output, range) { $0.rounded(.toNearestOrEven) }
        case .sin: ElementwiseLoops.mapRange(input, output, range) { T.sin($0) }
        case .cos: ElementwiseLoops.mapRange(input, output, range) { T.cos($0) }
        case .tan: ElementwiseLoops.mapRange(input, output, range) { T.tan($0) }
        case .asin: ElementwiseLoops.mapRange(input, output, range) { T.asin($0) }
        case .acos: ElementwiseLoops.mapRange(input, output, range) { T.acos($0) }
        case .atan: ElementwiseLoops.mapRange(input, output, range) { T.atan($0) }
        case .sinh: ElementwiseLoops.mapRange(input, output, range) { T.sinh($0) }
        case .cosh: ElementwiseLoops.mapRange(input, output, range) { T.cosh($0) }
        case .tanh: ElementwiseLoops.mapRange(input, output, range) { T.tanh($0) }
        case .asinh: ElementwiseLoops.mapRange(input, output, range) { T.asinh($0) }
        case .acosh: ElementwiseLoops.mapRange(input, output, range) { T.acosh($0) }
        case .atanh: ElementwiseLoops.mapRange(input, output, range) { T.atanh($0) }
        case .erf: ElementwiseLoops.mapRange(input, output, range) { T.erf($0) }
        case .sigmoid:
            ElementwiseLoops.mapRange(input, output, range) { x in
                x >= zero ? one / (one + T.exp(-x)) : T.exp(x) / (one + T.exp(x))
            }
        case .softplus:
            ElementwiseLoops.mapRange(input, output, range) { x in
                x > zero ? x + T.log1p(T.exp(-x)) : T.log1p(T.exp(x))
            }
        case .softsign: ElementwiseLoops.mapRange(input, output, range) { $0 / (one + Swift.abs($0)) }
        case .mish:
            ElementwiseLoops.mapRange(input, output, range) { x in
                x * T.tanh(x > zero ? x + T.log1p(T.exp(-x)) : T.log1p(T.exp(x)))
            }
        case .leakyRelu(let alpha):
            let a = T(alpha)
            ElementwiseLoops.mapRange(input, output, range) { $0 < zero ? a * $0 : $0 }
        case .hardSigmoid(let alpha, let beta):
            let a = T(alpha)
            let b = T(beta)
            ElementwiseLoops.mapRange(input, output, range) { x in
                Swift.max(zero, Swift.min(one, a * x + b))
            }
        case .hardSwish:
            let a = one / 6
            let b = one / 2
            ElementwiseLoops.mapRange(input, output, range) { x in
                x * Swift.max(zero, Swift.min(one, a * x + b))
            }
        case .gelu(let tanhApproximation):
            if tanhApproximation {
                let scale = T.sqrt(2 / T.pi)
                let cubic = T(0.044715)
                ElementwiseLoops.mapRange(input, output, range) { x in
                    x / 2 * (one + T.tanh(scale * (x + cubic * x * x * x)))
                }
            } else {
                let inverseRoot2 = one / T.sqrt(2)
                ElementwiseLoops.mapRange(input, output, range) { x in
                    x / 2 * (one + T.erf(x * inverseRoot2))
                }
            }
        case .elu(let alpha):
            let a = T(alpha)
            ElementwiseLoops.mapRange(input, output, range) { $0 < zero ? a * (T.exp($0) - one) : $0 }
        case .selu(let alpha, let gamma):
            let a = T(alpha)
            let g = T(gamma)
            ElementwiseLoops.mapRange(input, output, range) { x in
                x > zero ? g * x : g * (a * T.exp(x) - a)
            }
        case .celu(let alpha):
            let a = T(alpha)
            ElementwiseLoops.mapRange(input, output, range) { x in
                Swift.max(zero, x) + Swift.min(zero, a * (T.exp(x / a) - one))
            }
        case .thresholdedRelu(let alpha):
            let a = T(alpha)
            ElementwiseLoops.mapRange(input, output, range) { $0 > a ? $0 : zero }
        case .swish(let alpha):
            let a = T(alpha)
            ElementwiseLoops.mapRange(input, output, range) { x in x / (one + T.exp(-a * x)) }
        }
    }
}
