import Foundation
import OnnxIR

/// The accepted pairs of one graph with the weights they rescale, read once and shared: in a chain
/// Conv→DepthwiseConv→Conv the depthwise layer is the second layer of one pair and the first of the next,
/// and both pairs must see its current weights.
struct EqualizationChains {
    /// The accepted pairs, in graph order.
    private(set) var pairs: [EqualizationPair] = []
    private var layers: [ObjectIdentifier: LinearLayer] = [:]
    private var biases: [ObjectIdentifier: LayerBias] = [:]
    /// Layers in the order they were first read, so writing is deterministic.
    private var order: [ObjectIdentifier] = []

    /// Accepts `pair`, or returns why not with a one-line reason.
    mutating func add(_ pair: EqualizationPair) -> (EqualizationPair.Refusal, String)? {
        let first: LinearLayer
        let second: LinearLayer
        switch (layer(pair.first), layer(pair.second)) {
        case (.success(let a), .success(let b)):
            first = a
            second = b
        case (.failure(let refusal), _), (_, .failure(let refusal)):
            return (.weights, refusal.description)
        }
        guard first.isSameFamily(as: second) else {
            return (.channels, "'\(pair.second.displayName)' is a \(pair.second.opType) after a \(pair.first.opType)")
        }
        if pair.second.opType == "Gemm", (pair.second.attribute("transA")?.int ?? 0) != 0 {
            return (.channels, "'\(pair.second.displayName)' transposes its input (transA)")
        }
        guard first.outputChannels == second.inputChannels else {
            return (
                .channels,
                "'\(pair.first.displayName)' has \(first.outputChannels) output channels, "
                    + "'\(pair.second.displayName)' reads \(second.inputChannels)"
            )
        }
        let bias: LayerBias
        switch LayerBias.read(first, followingAdd: pair.biasAdd) {
        case .success(let read): bias = read
        case .failure(let refusal): return (.weights, refusal.description)
        }
        remember(first)
        remember(second)
        biases[ObjectIdentifier(pair.first)] = bias
        pairs.append(pair)
        return nil
    }

    /// One pass over every pair; returns the largest `|log s|` applied and adds the rescaled channels
    /// (pair index, channel) to `rescaled`.
    mutating func sweep(rescaled: inout Set<[Int]>) -> Double {
        var largest = 0.0
        for (index, pair) in pairs.enumerated() {
            let firstKey = ObjectIdentifier(pair.first)
            let secondKey = ObjectIdentifier(pair.second)
            guard var first = layers[firstKey], var second = layers[secondKey] else { continue }
            var bias = biases[firstKey]
            for channel in 0..<first.outputChannels {
                let r1 = first.outputRange(channel)
                let r2 = second.inputRange(channel)
                // A dead channel (all weights 0 on either side) has nothing to balance.
                guard r1 > 0, r2 > 0 else { continue }
                let factor = (r1 / r2).squareRoot()
                guard factor.isNormal, factor != 1 else { continue }
                first.scaleOutput(channel, by: 1 / factor)
                bias?.values[channel] /= factor
                second.scaleInput(channel, by: factor)
                largest = max(largest, abs(log(factor)))
                rescaled.insert([index, channel])
            }
            layers[firstKey] = first
            layers[secondKey] = second
            biases[firstKey] = bias
        }
        return largest
    }

    /// Writes every layer's rescaled weights and every first layer's bias as new initializers.
    func write(in graph: Graph) throws {
        for key in order {
            guard let layer = layers[key] else { continue }
            try layer.writeWeights(suffix: "_equalized", in: graph)
            if let bias = biases[key], bias.values.contains(where: { $0 != 0 }) {
                try bias.write(suffix: "_equalized", in: graph)
            }
        }
    }

    private func layer(_ node: Node) -> Result<LinearLayer, FoldRefusal> {
        if let known = layers[ObjectIdentifier(node)] { return .success(known) }
        return LinearLayer.read(node).mapError { FoldRefusal("'\(node.displayName)': \($0)") }
    }

    private mutating func remember(_ layer: LinearLayer) {
        let key = ObjectIdentifier(layer.node)
        guard layers[key] == nil else { return }
        layers[key] = layer
        order.append(key)
    }
}
