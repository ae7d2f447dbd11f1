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

    /// Applies the function to every element: `output[i] = f(input[i])`.
    func apply<T: FloatMath>(_ input: UnsafePointer<T>, _ output: UnsafeMutablePointer<T>, count: Int) {
        let one = T.oneValue
        let zero = T.zeroValue
        switch self {
        case .exp: ElementwiseLoops.map(input, output, count: count, cost: cost) { T.exp($0) }
        case .log: ElementwiseLoops.map(input, output, count: count, cost: cost) { T.log($0) }
        case .sqrt: ElementwiseLoops.map(input, output, count: count, cost: cost) { T.sqrt($0) }
        case .reciprocal: ElementwiseLoops.map(input, output, count: count, cost: cost) { one / $0 }
        case .floor: ElementwiseLoops.map(input, output, count: count, cost: cost) { $0.rounded(.down) }
        case .ceil: ElementwiseLoops.map(input, output, count: count, cost: cost) { $0.rounded(.up) }
        case .round: ElementwiseLoops.map(input, output, count: count, cost: cost) { $0.rounded(.toNearestOrEven) }
        case .sin: ElementwiseLoops.map(input, output, count: count, cost: cost) { T.sin($0) }
        case .cos: ElementwiseLoops.map(input, output, count: count, cost: cost) { T.cos($0) }
        case .tan: ElementwiseLoops.map(input, output, count: count, cost: cost) { T.tan($0) }
        case .asin: ElementwiseLoops.map(input, output, count: count, cost: cost) { T.asin($0) }
        case .acos: ElementwiseLoops.map(input, output, count: count, cost: cost) { T.acos($0) }
        case .atan: ElementwiseLoops.map(input, output, count: count, cost: cost) { T.atan($0) }
        case .sinh: ElementwiseLoops.map(input, output, count: count, cost: cost) { T.sinh($0) }
        case .cosh: ElementwiseLoops.map(input, output, count: count, cost: cost) { T.cosh($0) }
        case .tanh: ElementwiseLoops.map(input, output, count: count, cost: cost) { T.tanh($0) }
        case .asinh: ElementwiseLoops.map(input, output, count: count, cost: cost) { T.asinh($0) }
        case .acosh: ElementwiseLoops.map(input, output, count: count, cost: cost) { T.acosh($0) }
        case .atanh: ElementwiseLoops.map(input, output, count: count, cost: cost) { T.atanh($0) }
        case .erf: ElementwiseLoops.map(input, output, count: count, cost: cost) { T.erf($0) }
        case .sigmoid:
            ElementwiseLoops.map(input, output, count: count, cost: cost) { x in
                x >= zero ? one / (one + T.exp(-x)) : T.exp(x) / (one + T.exp(x))
            }
        case .softplus:
            ElementwiseLoops.map(input, output, count: count, cost: cost) { x in
                x > zero ? x + T.log1p(T.exp(-x)) : T.log1p(T.exp(x))
            }
        case .softsign: ElementwiseLoops.map(input, output, count: count, cost: cost) { $0 / (one + Swift.abs($0)) }
        case .mish:
            ElementwiseLoops.map(input, output, count: count, cost: cost) { x in
                x * T.tanh(x > zero ? x + T.log1p(T.exp(-x)) : T.log1p(T.exp(x)))
            }
        case .leakyRelu(let alpha):
            let a = T(alpha)
            ElementwiseLoops.map(input, output, count: count, cost: cost) { $0 < zero ? a * $0 : $0 }
        case .hardSigmoid(let alpha, let beta):
            let a = T(alpha)
            let b = T(beta)
            ElementwiseLoops.map(input, output, count: count, cost: cost) { x in
                Swift.max(zero, Swift.min(one, a * x + b))
            }
        case .hardSwish:
            let a = one / 6
            let b = one / 2
            ElementwiseLoops.map(input, output, count: count, cost: cost) { x in
                x * Swift.max(zero, Swift.min(one, a * x + b))
            }
        case .gelu(let tanhApproximation):
            if tanhApproximation {
                let scale = T.sqrt(2 / T.pi)
                let cubic = T(0.044715)
                ElementwiseLoops.map(input, output, count: count, cost: cost) { x in
                    x / 2 * (one + T.tanh(scale * (x + cubic * x * x * x)))
                }
            } else {
                let inverseRoot2 = one / T.sqrt(2)
                ElementwiseLoops.map(input, output, count: count, cost: cost) { x in
                    x / 2 * (one + T.erf(x * inverseRoot2))
                }
            }
        case .elu(let alpha):
            let a = T(alpha)
            ElementwiseLoops.map(input, output, count: count, cost: cost) { $0 < zero ? a * (T.exp($0) - one) : $0 }
        case .selu(let alpha, let gamma):
            let a = T(alpha)
            let g = T(gamma)
            ElementwiseLoops.map(input, output, count: count, cost: cost) { x in
                x > zero ? g * x : g * (a * T.exp(x) - a)
            }
        case .celu(let alpha):
            let a = T(alpha)
            ElementwiseLoops.map(input, output, count: count, cost: cost) { x in
                Swift.max(zero, x) + Swift.min(zero, a * (T.exp(x / a) - one))
            }
        case .thresholdedRelu(let alpha):
            let a = T(alpha)
            ElementwiseLoops.map(input, output, count: count, cost: cost) { $0 > a ? $0 : zero }
        case .swish(let alpha):
            let a = T(alpha)
            ElementwiseLoops.map(input, output, count: count, cost: cost) { x in x / (one + T.exp(-a * x)) }
        }
    }
}
