import OnnxIR
import OnnxInterpreter
import TensorFiles

/// The samples of one calibration run, opened lazily: a dataset on disk or seeded random inputs.
///
/// Opening lists the samples (names only); `inputs(at:)` reads or makes one sample and checks
/// it against the model, so memory does not grow with the number of samples.
public struct CalibrationSamples {
    private enum Backing {
        case dataset(SampleDataset, SampleValidator, emptyCaches: [(name: String, type: DataType, dims: [Int?])])
        case random(RandomSampleMaker, count: Int)
    }

    private let backing: Backing
    /// Where the samples come from, for messages (a path, or `--calib-random`).
    public let sourceDescription: String
    /// For a decoder with past whose samples give no cache: how `CalibrationRunner` runs them (a prefill, then one
    /// token per step, `present` fed back as `past`); nil otherwise.
    public let generation: GenerationPlan?

    /// Opens `source` for `model`; throws when it holds no sample or cannot be listed.
    ///
    /// The inputs named in `supplied` (a decoder's cache, which the generation loop feeds itself) are not part of
    /// a sample: a sample may not give them, and random samples do not make them.
    public init(model: Model, source: CalibrationDataSource, supplied: Set<String> = []) throws {
        let graph = model.graph
        switch source.origin {
        case .files(let path):
            let fed = graph.inputs.filter { !supplied.contains($0.name) }
            let inputNames = fed.filter { $0.initializer == nil }.map(\.name)
            let dataset = try SampleDataset.open(path: path, inputNames: inputNames, limit: source.sampleLimit)
            // The cache inputs of a decoder with past (past_key_values.N.*) may be left out of a sample: the runner
            // then generates (`generation`), and a sample handed out alone has an empty cache (length 0 on its
            // symbolic axes), a prefill.
            let pairs = supplied.isEmpty ? ((try? CachePairing.infer(graph: graph)) ?? []) : []
            let caches = Set(pairs.map(\.past))
            var emptyCaches: [(name: String, type: DataType, dims: [Int?])] = []
            for value in fed where caches.contains(value.name) {
                guard let type = value.elementType, let shape = value.shape else { continue }
                emptyCaches.append((name: value.name, type: type, dims: Self.sizes(shape)))
            }
            let optionalNames = Set(emptyCaches.map(\.name))
            let validator = SampleValidator(
                required: fed.filter { $0.initializer == nil && !optionalNames.contains($0.name) }
                    .map(InputSpec.init(value:)),
                optional: fed.filter { $0.initializer != nil || optionalNames.contains($0.name) }
                    .map(InputSpec.init(value:)))
            backing = .dataset(dataset, validator, emptyCaches: emptyCaches)
            sourceDescription = path
            generation = !pairs.isEmpty && emptyCaches.count == pairs.count ? GenerationPlan(pairs: pairs) : nil
        case .random(let seed, let sampleCount):
            let count = max(0, min(sampleCount, source.sampleLimit ?? sampleCount))
            backing = .random(try RandomSampleMaker(graph: graph, seed: seed, skipping: supplied), count: count)
            sourceDescription = "--calib-random"
            generation = nil
        }
        guard count > 0 else { throw CalibrationRunError.noSamples(source: sourceDescription) }
    }

    /// The number of samples.
    public var count: Int {
        switch backing {
        case .dataset(let dataset, _, _): return dataset.count
        case .random(_, let count): return count
        }
    }

    /// Whether the samples are random (their ranges mean nothing for accuracy).
    public var isRandom: Bool {
        if case .random = backing { return true }
        return false
    }

    /// Sample `index` as interpreter inputs, with its name and file for messages; checked against the model.
    public func inputs(at index: Int) throws -> CalibrationSample {
        switch backing {
        case .dataset(let dataset, let validator, let emptyCaches):
            let sample = try dataset.sample(at: index)
            try validator.validate(sample)
            var arrays: [String: NDArray] = [:]
            for (name, tensor) in sample.inputs {
                do {
                    arrays[name] = try NDArray(tensor: tensor)
                } catch {
                    throw CalibrationRunError.sampleFailed(
                        sample: sample.name, source: sample.source, reason: "input '\(name)': \(error)")
                }
            }
            let batch = arrays.values.first(where: { $0.rank > 0 })?.shape[0] ?? 1
            var made: [String] = []
            for cache in emptyCaches where arrays[cache.name] == nil {
                let dims = cache.dims.enumerated().map { axis, size in axis == 0 ? batch : max(0, size ?? 0) }
                arrays[cache.name] = try NDArray(zerosOf: cache.type, shape: dims)
                made.append(cache.name)
            }
            return CalibrationSample(name: sample.name, source: sample.source, arrays: arrays, emptyCache: made)
        case .random(let maker, _):
            return CalibrationSample(
                name: "random-\(index)", source: sourceDescription, arrays: try maker.sample(index: index))
        }
    }

    /// The fixed sizes of `shape`, nil where symbolic (a plain loop: `Optional.map` over `Dimension.value` in a
    /// closure crashes Swift 6.3.1's release optimizer, docs/architecture.md).
    private static func sizes(_ shape: Shape) -> [Int?] {
        var sizes: [Int?] = []
        for dimension in shape.dimensions {
            if let value = dimension.value { sizes.append(Int(value)) } else { sizes.append(nil) }
        }
        return sizes
    }
}
