import Calibration
import OnnxIR
import OnnxInterpreter
import Passes

/// Runs a float model and its quantized version on the same samples and measures, per matched
/// tensor, how far the quantized values are from the float ones.
///
/// Streaming: for each sample the float model runs first and keeps copies of only the matched
/// tensors of that sample; the quantized model then runs and each matched tensor is folded into
/// its `ErrorAccumulator` as it is produced, and the float copy is dropped. Memory is bounded by
/// one sample's matched float tensors, whatever the number of samples.
public struct ModelComparator {
    /// The matched pairs, in the quantized graph's order.
    public let pairs: [TensorPair]
    /// DequantizeLinear nodes without a float counterpart.
    public let unmatchedDequantizeNodes: [String]
    /// Tensors SmoothQuant divided by `s` (the quantized model's metadata says so), reported apart.
    private let rescaled: Set<String>
    private let floatInterpreter: Interpreter
    private let quantizedInterpreter: Interpreter
    /// Pair index by float tensor name, pair indices by quantized and by pre-quantization tensor name.
    private let floatIndex: [String: Int]
    private let quantizedIndices: [String: [Int]]
    private let preQuantizedIndices: [String: [Int]]
    /// The float values of the float model's initializers that are compared, decoded once.
    private let initializerCopies: [Int: [Float]]
    /// Both models' scoped names of If/Loop/Scan body values (`ScopedValueNames`), to match body tensors.
    private let floatScopes: ScopedValueNames?
    private let quantizedScopes: ScopedValueNames?

    /// Plans both models; `outputsOnly` compares just the graph outputs (cheaper: nothing else is copied), and
    /// with `bodyTensors` the quantized tensors inside If/Loop/Scan bodies too.
    public init(
        float: Model, floatName: String, quantized: Model, quantizedName: String, outputsOnly: Bool = false,
        bodyTensors: Bool = false
    ) throws {
        let matcher = TensorMatcher(float: float, quantized: quantized)
        // A smoothed tensor holds the float values divided by s per channel: compared with the float model it
        // would show that division as error.
        rescaled = Set(SmoothQuantPass.rescaledValues(of: quantized))
        pairs = matcher.pairs(outputsOnly: outputsOnly, bodyTensors: bodyTensors)
        unmatchedDequantizeNodes = outputsOnly ? [] : matcher.unmatchedDequantizeNodes()
        guard !pairs.isEmpty else { throw CompareError.nothingMatched(quantizedModel: quantizedName) }
        var floatIndex: [String: Int] = [:]
        var quantizedIndices: [String: [Int]] = [:]
        var preQuantizedIndices: [String: [Int]] = [:]
        for (index, pair) in pairs.enumerated() {
            floatIndex[pair.floatName] = index
            quantizedIndices[pair.quantizedName, default: []].append(index)
            if let pre = pair.preQuantizedName { preQuantizedIndices[pre, default: []].append(index) }
        }
        var copies: [Int: [Float]] = [:]
        for (name, tensor) in FloatGraphIndex(graph: float.graph).initializers {
            guard let index = floatIndex[name] else { continue }
            copies[index] = try Self.floats(of: try NDArray(tensor: tensor), tensor: name, model: floatName)
        }
        floatScopes = try? ScopedValueNames(graph: float.graph)
        quantizedScopes = try? ScopedValueNames(graph: quantized.graph)
        self.floatIndex = floatIndex
        self.quantizedIndices = quantizedIndices
        self.preQuantizedIndices = preQuantizedIndices
        initializerCopies = copies
        floatInterpreter = try Interpreter(model: float, name: floatName)
        quantizedInterpreter = try Interpreter(model: quantized, name: quantizedName)
    }

    /// Runs the samples `indices` of `runner` (all of them when nil) through both models and returns the
    /// per-tensor errors.
    ///
    /// Each model receives the sample inputs it declares. Weights are compared on every sample like
    /// activations, as ONNX Runtime's qdq_loss_debug does for Constant-node weights; their SQNR is the same
    /// as on one sample unless the noise is exactly zero. `visitOutputs` gets each sample with both models'
    /// graph outputs (perplexity is measured there), so the models run once for everything measured.
    public func compare(
        runner: CalibrationRunner, indices: Range<Int>? = nil, floatModel: String, quantizedModel: String,
        data: String,
        visitOutputs: (
            _ sample: CalibrationSample, _ float: [String: NDArray], _ quantized: [String: NDArray]
        ) throws -> Void = { _, _, _ in }
    ) throws -> ModelComparison {
        let indices = indices ?? 0..<runner.samples.count
        guard !indices.isEmpty else { throw CompareError.noSamples(source: data) }
        var accumulators = [ErrorAccumulator](repeating: ErrorAccumulator(), count: pairs.count)
        var ownNoise = [ErrorAccumulator?](repeating: nil, count: pairs.count)
        for (index, pair) in pairs.enumerated() where pair.preQuantizedName != nil {
            ownNoise[index] = ErrorAccumulator()
        }
        try runner.forEachSample(in: indices) { sample in
            let (float, quantized) = try compareSample(
                name: sample.name, inputs: sample.arrays, accumulators: &accumulators, ownNoise: &ownNoise)
            try visitOutputs(sample, float, quantized)
        }
        var rows: [TensorComparison] = []
        for (index, pair) in pairs.enumerated() where accumulators[index].sampleCount > 0 {
            let sums = accumulators[index]
            rows.append(
                TensorComparison(
                    tensor: pair.floatName, quantizedTensor: pair.quantizedName, kind: pair.kind, node: pair.nodeName,
                    opType: pair.opType, position: pair.position, sqnr: sums.sqnr, cosine: sums.cosine,
                    maxAbsError: sums.maxAbsError,
                    ownQuantizationSQNR: ownNoise[index].flatMap { $0.sampleCount > 0 ? $0.sqnr : nil },
                    samples: sums.sampleCount, elements: sums.elementCount, nonFiniteElements: sums.nonFiniteCount,
                    brokenElements: sums.brokenCount))
        }
        let isRescaled = { (row: TensorComparison) in row.kind != .output && rescaled.contains(row.tensor) }
        return ModelComparison(
            floatModel: floatModel, quantizedModel: quantizedModel, data: data, samples: indices.count,
            unmatchedDequantizeNodes: unmatchedDequantizeNodes, rescaledTensors: rows.filter(isRescaled),
            tensors: rows.filter { !isRescaled($0) })
    }

    /// Runs one sample through both models, folding the matched tensors into the sums; returns both models' outputs.
    private func compareSample(
        name sampleName: String, inputs: [String: NDArray], accumulators: inout [ErrorAccumulator],
        ownNoise: inout [ErrorAccumulator?]
    ) throws -> (float: [String: NDArray], quantized: [String: NDArray]) {
        let wantedFloat = floatIndex
        let wantedQuantized = quantizedIndices
        let wantedPre = preQuantizedIndices
        // A body value comes once per iteration (or not at all, in a branch not taken): each model's k-th
        // occurrence of a tensor is compared with the other's k-th, so the float copies wait in a queue.
        var floatCopies = initializerCopies.mapValues { [$0] }
        let floatModelName = floatName
        let floatScopes = self.floatScopes
        let quantizedScopes = self.quantizedScopes
        let floatOutputs = try floatInterpreter.run(floatInterpreter.declaredInputs(in: inputs)) { observed in
            guard let name = Self.name(of: observed, scopes: floatScopes), let index = wantedFloat[name],
                observed.depth > 0 || floatCopies[index] == nil
            else { return }
            floatCopies[index, default: []].append(
                try Self.floats(of: observed.array, tensor: name, model: floatModelName))
        }
        var preCopies: [Int: [Float]] = [:]
        // The observer is an escaping closure, so it updates local copies written back after the run.
        var sums = accumulators
        var noise = ownNoise
        defer {
            accumulators = sums
            ownNoise = noise
        }
        let quantizedModelName = quantizedName
        let pairs = self.pairs
        let quantizedInputs = quantizedInterpreter.declaredInputs(in: inputs)
        let quantizedOutputs = try quantizedInterpreter.run(quantizedInputs) { observed in
            guard let name = Self.name(of: observed, scopes: quantizedScopes) else { return }
            if let indices = wantedPre[name] {
                let copy = try Self.floats(of: observed.array, tensor: name, model: quantizedModelName)
                for index in indices { preCopies[index] = copy }
            }
            guard let indices = wantedQuantized[name] else { return }
            let quantized = try Self.floats(of: observed.array, tensor: name, model: quantizedModelName)
            for index in indices {
                if let reference = floatCopies[index]?.first {
                    floatCopies[index]?.removeFirst()
                    if floatCopies[index]?.isEmpty == true { floatCopies[index] = nil }
                    try Self.accumulate(
                        &sums[index], reference: reference, quantized: quantized, pair: pairs[index],
                        sample: sampleName)
                }
                if let pre = preCopies.removeValue(forKey: index) {
                    try Self.accumulate(
                        &noise[index], reference: pre, quantized: quantized, pair: pairs[index],
                        sample: sampleName)
                }
            }
        }
        return (floatOutputs, quantizedOutputs)
    }

    /// The name a tensor is matched under: its own in the main graph, its scoped name in a body, nil inside a
    /// function body (not compared).
    private static func name(of observed: ObservedTensor, scopes: ScopedValueNames?) -> String? {
        observed.depth == 0 ? observed.name : scopes?[observed.value]
    }

    private var floatName: String { floatInterpreter.modelName }
    private var quantizedName: String { quantizedInterpreter.modelName }

    private static func accumulate(
        _ sums: inout ErrorAccumulator, reference: [Float], quantized: [Float], pair: TensorPair, sample: String
    ) throws {
        guard reference.count == quantized.count else {
            throw CompareError.sizeMismatch(
                tensor: pair.floatName, quantizedTensor: pair.quantizedName, floatCount: reference.count,
                quantizedCount: quantized.count, sample: sample)
        }
        reference.withUnsafeBufferPointer { x in
            quantized.withUnsafeBufferPointer { y in sums.add(reference: x, quantized: y) }
        }
    }

    private static func accumulate(
        _ sums: inout ErrorAccumulator?, reference: [Float], quantized: [Float], pair: TensorPair, sample: String
    ) throws {
        var current = sums ?? ErrorAccumulator()
        try accumulate(&current, reference: reference, quantized: quantized, pair: pair, sample: sample)
        sums = current
    }

    /// The elements as Float (one copy for float32 tensors).
    private static func floats(of array: NDArray, tensor: String, model: String) throws -> [Float] {
        do {
            return try array.floatValues()
        } catch {
            throw CompareError.unreadable(tensor: tensor, model: model, reason: "\(error)")
        }
    }
}
