import Calibration
import OnnxIR
import OnnxInterpreter

/// Measures the next-token perplexity of a float model and its quantized version, sample by sample,
/// from the logits both models computed on the same token ids.
///
/// Streaming: each sample adds to two running sums (`NextTokenLikelihood`), so memory does not grow
/// with the number of samples. The logits output is found once, by name (`--logits`) or as the first
/// floating-point graph output of the float model; the quantized model's is the output of the same
/// name, or else the one at the same position (as `qdqc compare` pairs graph outputs).
public struct PerplexityMeter {
    /// What is measured.
    public let settings: PerplexitySettings
    /// The float model's logits output.
    public let floatLogits: String
    /// The quantized model's logits output.
    public let quantizedLogits: String
    private let floatModel: String
    private let quantizedModel: String
    private var float = NextTokenLikelihood()
    private var quantized = NextTokenLikelihood()

    /// Checks that `settings` name an integer input and a logits output of both models (names for messages).
    ///
    /// Shapes are checked on each sample's actual tensors, where a message can name the data file too.
    public init(
        settings: PerplexitySettings, float: Model, floatName: String, quantized: Model, quantizedName: String
    ) throws {
        self.settings = settings
        floatModel = floatName
        quantizedModel = quantizedName
        let inputs = float.graph.inputs.filter { $0.initializer == nil }
        guard let tokens = inputs.first(where: { $0.name == settings.tokens }) else {
            throw PerplexityError.notAnInput(name: settings.tokens, model: floatName, inputs: inputs.map(\.name))
        }
        if let type = tokens.type?.tensorElementType, !type.isInteger {
            throw PerplexityError.tokensNotIntegers(name: tokens.name, file: floatName, type: "\(type)")
        }
        let floatOutput = try Self.logitsOutput(of: float, named: settings.logits, model: floatName)
        floatLogits = floatOutput.name
        let position = float.graph.outputs.firstIndex { $0 === floatOutput } ?? 0
        let quantizedOutputs = quantized.graph.outputs
        if let sameName = quantizedOutputs.first(where: { $0.name == floatOutput.name }) {
            quantizedLogits = sameName.name
        } else if position < quantizedOutputs.count {
            quantizedLogits = quantizedOutputs[position].name
        } else {
            throw PerplexityError.notAnOutput(
                name: floatOutput.name, model: quantizedName, outputs: quantizedOutputs.map(\.name))
        }
        // Declared vocabularies that differ are caught here, before the graph outputs' SQNR trips over the sizes.
        let quantizedOutput = quantizedOutputs.first { $0.name == quantizedLogits }
        if let floatVocabulary = Self.declaredVocabulary(floatOutput),
            let quantizedVocabulary = quantizedOutput.flatMap(Self.declaredVocabulary),
            floatVocabulary != quantizedVocabulary
        {
            throw PerplexityError.vocabularyMismatch(
                floatLogits: floatLogits, floatModel: floatName, floatVocabulary: floatVocabulary,
                quantizedLogits: quantizedLogits, quantizedModel: quantizedName,
                quantizedVocabulary: quantizedVocabulary)
        }
    }

    /// Adds one sample: its token ids and the graph outputs each model computed from it.
    public mutating func add(
        sample: CalibrationSample, floatOutputs: [String: NDArray], quantizedOutputs: [String: NDArray]
    ) throws {
        let file = sample.source
        let targets = try self.targets(of: sample)
        let floatArray = try logits(
            floatOutputs, name: floatLogits, model: floatModel, tokens: targets.array, file: file)
        let quantizedArray = try logits(
            quantizedOutputs, name: quantizedLogits, model: quantizedModel, tokens: targets.array, file: file)
        let vocabulary = floatArray.shape[2]
        guard quantizedArray.shape[2] == vocabulary else {
            throw PerplexityError.vocabularyMismatch(
                floatLogits: floatLogits, floatModel: floatModel, floatVocabulary: vocabulary,
                quantizedLogits: quantizedLogits, quantizedModel: quantizedModel,
                quantizedVocabulary: quantizedArray.shape[2])
        }
        try checkRange(targets, vocabulary: vocabulary, file: file)
        let floatSum = try sum(floatArray, tokens: targets.ids, name: floatLogits, model: floatModel, file: file)
        let quantizedSum = try sum(
            quantizedArray, tokens: targets.ids, name: quantizedLogits, model: quantizedModel, file: file)
        float.add(sum: floatSum, targets: targets.count, sequences: targets.batch)
        quantized.add(sum: quantizedSum, targets: targets.count, sequences: targets.batch)
    }

    /// The next-token likelihood of one sample under `outputs`, graph outputs named as the quantized model's
    /// (its logits output `quantizedLogits`), checked as `add` checks: what `--mixed-precision` measures each
    /// mix of quantized and float tensors by.
    public func likelihood(sample: CalibrationSample, outputs: [String: NDArray]) throws -> NextTokenLikelihood {
        let targets = try self.targets(of: sample)
        let array = try logits(
            outputs, name: quantizedLogits, model: quantizedModel, tokens: targets.array, file: sample.source)
        try checkRange(targets, vocabulary: array.shape[2], file: sample.source)
        var likelihood = NextTokenLikelihood()
        likelihood.add(
            sum: try sum(
                array, tokens: targets.ids, name: quantizedLogits, model: quantizedModel, file: sample.source),
            targets: targets.count, sequences: targets.batch)
        return likelihood
    }

    /// One sample's token ids: the array, its elements, `[batch, sequence]` and the number of targets.
    private struct Targets {
        var array: NDArray
        var ids: [Int64]
        var batch: Int
        var sequence: Int
        var count: Int
    }

    /// A sample's token ids, checked to be `[batch, seq]` integers longer than the prompt.
    private func targets(of sample: CalibrationSample) throws -> Targets {
        let file = sample.source
        guard let tokenArray = sample.arrays[settings.tokens] else {
            throw PerplexityError.missingTokens(name: settings.tokens, file: file)
        }
        let tokens = try Self.tokenIDs(tokenArray, name: settings.tokens, file: file)
        guard tokenArray.rank == 2 else {
            throw PerplexityError.tokensShape(name: settings.tokens, file: file, shape: tokenArray.shape)
        }
        let (batch, sequence) = (tokenArray.shape[0], tokenArray.shape[1])
        guard sequence > settings.promptTokens else {
            throw PerplexityError.promptTooLong(
                name: settings.tokens, file: file, sequence: sequence, promptTokens: settings.promptTokens)
        }
        return Targets(
            array: tokenArray, ids: tokens, batch: batch, sequence: sequence,
            count: batch * (sequence - settings.promptTokens))
    }

    /// Every target token must be a row of the logits.
    private func checkRange(_ targets: Targets, vocabulary: Int, file: String) throws {
        for row in 0..<targets.batch {
            for position in settings.promptTokens..<targets.sequence {
                let token = targets.ids[row * targets.sequence + position]
                guard token >= 0, token < vocabulary else {
                    throw PerplexityError.tokenOutOfRange(
                        name: settings.tokens, file: file, token: token, index: [row, position], logits: floatLogits,
                        vocabulary: vocabulary)
                }
            }
        }
    }

    /// Both perplexities over every sample added.
    public func result() throws -> PerplexityComparison {
        guard float.targetCount > 0 else { throw PerplexityError.noSamples }
        return PerplexityComparison(
            tokens: settings.tokens, logits: floatLogits, quantizedLogits: quantizedLogits,
            promptTokens: settings.promptTokens, float: float, quantized: quantized)
    }

    /// The named output, checked to be `[batch, seq, vocabulary]` over the token ids' batch and sequence.
    private func logits(_ outputs: [String: NDArray], name: String, model: String, tokens: NDArray, file: String)
        throws -> NDArray
    {
        guard let array = outputs[name] else {
            throw PerplexityError.notAnOutput(name: name, model: model, outputs: outputs.keys.sorted())
        }
        guard array.rank == 3, array.dataType.isFloatingPoint else {
            throw PerplexityError.logitsRank(name: name, model: model, file: file, shape: array.shape)
        }
        guard array.shape[0] == tokens.shape[0], array.shape[1] == tokens.shape[1], array.shape[2] > 0 else {
            throw PerplexityError.logitsShape(
                name: name, model: model, file: file, shape: array.shape, tokens: settings.tokens,
                tokensShape: tokens.shape)
        }
        return array
    }

    private func sum(_ logits: NDArray, tokens: [Int64], name: String, model: String, file: String) throws -> Double {
        let (batch, sequence, vocabulary) = (logits.shape[0], logits.shape[1], logits.shape[2])
        let promptTokens = settings.promptTokens
        let compute = { (values: UnsafeBufferPointer<Float>) in
            NextTokenLikelihood.batchSum(
                logits: values, tokens: tokens, batch: batch, sequence: sequence, vocabulary: vocabulary,
                promptTokens: promptTokens)
        }
        // float32 logits are read in place; other float types are converted once.
        let total =
            logits.dataType == .float
            ? try logits.withFloats(compute) : try logits.floatValues().withUnsafeBufferPointer(compute)
        guard total.isFinite else { throw PerplexityError.nonFinite(logits: name, model: model, file: file) }
        return total
    }

    /// The first floating-point output, or the one named `name`.
    private static func logitsOutput(of model: Model, named name: String?, model path: String) throws -> Value {
        let outputs = model.graph.outputs
        if let name {
            guard let output = outputs.first(where: { $0.name == name }) else {
                throw PerplexityError.notAnOutput(name: name, model: path, outputs: outputs.map(\.name))
            }
            return output
        }
        // An output of unknown type may still be float; one declared otherwise (token ids, lengths) is not logits.
        guard let output = outputs.first(where: { $0.type?.tensorElementType?.isFloatingPoint ?? true }) else {
            throw PerplexityError.noFloatOutput(model: path)
        }
        return output
    }

    /// The last dimension of a rank-3 output declared with a known size.
    private static func declaredVocabulary(_ output: Value) -> Int? {
        guard let shape = output.type?.tensorShape, shape.rank == 3, let size = shape.dimensions[2].value else {
            return nil
        }
        return Int(size)
    }

    private static func tokenIDs(_ array: NDArray, name: String, file: String) throws -> [Int64] {
        guard array.dataType.isInteger else {
            throw PerplexityError.tokensNotIntegers(name: name, file: file, type: "\(array.dataType)")
        }
        return array.dataType == .int64 ? try array.elements(as: Int64.self) : try array.int64Values()
    }
}
