import Foundation

/// An activation function of the recurrent operators (LSTM, GRU, RNN), with its alpha and beta.
struct RecurrentActivation {
    /// The functions the recurrent operators accept.
    enum Kind: String {
        case relu, tanh, sigmoid, affine, leakyrelu, thresholdedrelu, scaledtanh, hardsigmoid, elu, softsign, softplus
    }

    /// Which function.
    let kind: Kind
    /// First parameter.
    let alpha: Float
    /// Second parameter.
    let beta: Float

    /// Builds the functions listed in `names`, taking parameters from `alphas` and `betas` in order.
    static func list(names: [String], alphas: [Float], betas: [Float]) throws -> [RecurrentActivation] {
        var alphaIndex = 0
        var betaIndex = 0
        return try names.map { name in
            let defaults: (Float, Float, Bool, Bool)
            switch name.lowercased() {
            case "relu", "tanh", "sigmoid", "softsign", "softplus": defaults = (0, 0, false, false)
            case "affine": defaults = (1, 0, true, true)
            case "leakyrelu": defaults = (0.01, 0, true, false)
            case "thresholdedrelu": defaults = (1, 0, true, false)
            case "scaledtanh": defaults = (1, 1, true, true)
            case "hardsigmoid": defaults = (0.2, 0.5, true, true)
            case "elu": defaults = (1, 0, true, false)
            default: throw KernelError.invalidAttribute("activation '\(name)' is unknown")
            }
            var alpha = defaults.0
            var beta = defaults.1
            if defaults.2, alphaIndex < alphas.count {
                alpha = alphas[alphaIndex]
                alphaIndex += 1
            }
            if defaults.3, betaIndex < betas.count {
                beta = betas[betaIndex]
                betaIndex += 1
            }
            guard let kind = Kind(rawValue: name.lowercased()) else {
                throw KernelError.invalidAttribute("activation '\(name)' is unknown")
            }
            return RecurrentActivation(kind: kind, alpha: alpha, beta: beta)
        }
    }

    /// Applies the function to `count` values in place.
    func apply(_ values: UnsafeMutablePointer<Float>, count: Int) {
        let (a, b) = (alpha, beta)
        switch kind {
        case .relu: for index in 0..<count { values[index] = max(values[index], 0) }
        case .tanh: for index in 0..<count { values[index] = FastTanh.evaluate(values[index]) }
        case .sigmoid: for index in 0..<count { values[index] = 1 / (1 + Foundation.exp(-values[index])) }
        case .affine: for index in 0..<count { values[index] = a * values[index] + b }
        case .leakyrelu: for index in 0..<count where values[index] < 0 { values[index] *= a }
        case .thresholdedrelu: for index in 0..<count where values[index] <= a { values[index] = 0 }
        case .scaledtanh: for index in 0..<count { values[index] = a * FastTanh.evaluate(b * values[index]) }
        case .hardsigmoid: for index in 0..<count { values[index] = max(0, min(1, a * values[index] + b)) }
        case .elu:
            for index in 0..<count where values[index] < 0 { values[index] = a * (Foundation.exp(values[index]) - 1) }
        case .softsign: for index in 0..<count { values[index] /= 1 + Swift.abs(values[index]) }
        case .softplus: for index in 0..<count { values[index] = Foundation.log1p(Foundation.exp(values[index])) }
        }
    }
}
