import Foundation
import OnnxIR

/// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (class axis 1, optional class
/// weights and ignore_index, reductions none, sum and mean).
enum LossKernels {
    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        table[":NegativeLogLikelihoodLoss"] = builder(softmax: false)
        table[":SoftmaxCrossEntropyLoss"] = builder(softmax: true)
    }

    private static func builder(softmax: Bool) -> KernelBuilder {
        { context in
            let reduction = try context.string("reduction", default: "mean")
            guard ["none", "sum", "mean"].contains(reduction) else {
                throw KernelError.invalidAttribute("reduction '\(reduction)' is not none, sum or mean")
            }
            let ignoreIndex = try context.optionalInt("ignore_index")
            return { call in
                let x = try call.input(0)
                let logProbabilities =
                    softmax ? try SoftmaxKernels.apply(.logSoftmax, x, axis: 1, coerceTo2D: false, reuse: false) : x
                let loss = try negativeLogLikelihood(
                    logProbabilities, target: call.input(1), weight: call.optionalInput(2), ignoreIndex: ignoreIndex,
                    reduction: reduction, targetName: call.inputName(1))
                return softmax ? [loss, logProbabilities] : [loss]
            }
        }
    }

    /// `-input[n, target[n, d...], d...]`, weighted and reduced.
    static func negativeLogLikelihood(
        _ input: NDArray, target: NDArray, weight: NDArray?, ignoreIndex: Int?, reduction: String, targetName: String
    ) throws -> NDArray {
        guard input.rank >= 2, target.rank == input.rank - 1, target.shape[0] == input.shape[0],
            Array(target.shape.dropFirst()) == Array(input.shape.dropFirst(2))
        else { throw KernelError.invalid("input \(input.shape) and target \(target.shape) do not fit") }
        let classes = input.shape[1]
        let values = try ElementConversion.convert(input, to: .double).elements(as: Double.self)
        let targets = try IntegerReading.values(of: target, name: targetName)
        let weights = try weight.map { try ElementConversion.convert($0, to: .double).elements(as: Double.self) }
        if let weights, weights.count != classes {
            throw KernelError.invalid("weight has \(weights.count) values for \(classes) classes")
        }
        let inner = Shapes.product(input.shape, 2..<input.rank)
        var losses = [Double](repeating: 0, count: targets.count)
        var weightSum: Double = 0
        for (flat, label) in targets.enumerated() {
            if let ignoreIndex, label == ignoreIndex { continue }
            guard label >= 0, label < classes else {
                throw KernelError.invalid("target \(label) in \(targetName) is out of range [0, \(classes))")
            }
            let (item, position) = flat.quotientAndRemainder(dividingBy: max(inner, 1))
            let w = weights?[label] ?? 1
            losses[flat] = -values[(item * classes + label) * inner + position] * w
            weightSum += w
        }
        let result: NDArray
        switch reduction {
        case "none": result = try NDArray(losses, dataType: .double, shape: target.shape)
        case "sum": result = try NDArray([losses.reduce(0, +)], dataType: .double, shape: [])
        default:
            let denominator = weights != nil || ignoreIndex != nil ? weightSum : Double(losses.count)
            result = try NDArray([losses.reduce(0, +) / denominator], dataType: .double, shape: [])
        }
        return try ElementConversion.convert(result, to: input.dataType)
    }
}
