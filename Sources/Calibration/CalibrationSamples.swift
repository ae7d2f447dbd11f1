import OnnxIR
import OnnxInterpreter
import TensorFiles

/// The samples of one calibration run, opened lazily: a dataset on disk or seeded random inputs.
///
/// Opening lists the samples (names only); `inputs(at:)` reads or makes one sample and checks
/// it against the model, so memory does not grow with the number of samples.
public struct CalibrationSamples {
    private enum Backing {
        case dataset(SampleDataset, SampleValidator)
        case random(RandomSampleMaker, count: Int)
    }

    private let backing: Backing
    /// Where the samples come from, for messages (a path, or `--calib-random`).
    public let sourceDescription: String

    /// Opens `source` for `model`; throws when it holds no sample or cannot be listed.
    public init(model: Model, source: CalibrationDataSource) throws {
        let graph = model.graph
        switch source.origin {
        case .files(let path):
            let inputNames = graph.inputs.filter { $0.initializer == nil }.map(\.name)
            let dataset = try SampleDataset.open(path: path, inputNames: inputNames, limit: source.sampleLimit)
            backing = .dataset(dataset, SampleValidator(graph: graph))
            sourceDescription = path
        case .random(let seed, let sampleCount):
            let count = max(0, min(sampleCount, source.sampleLimit ?? sampleCount))
            backing = .random(try RandomSampleMaker(graph: graph, seed: seed), count: count)
            sourceDescription = "--calib-random"
        }
        guard count > 0 else { throw CalibrationRunError.noSamples(source: sourceDescription) }
    }

    /// The number of samples.
    public var count: Int {
        switch backing {
        case .dataset(let dataset, _): return dataset.count
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
        case .dataset(let dataset, let validator):
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
            return CalibrationSample(name: sample.name, source: sample.source, arrays: arrays)
        case .random(let maker, _):
            return CalibrationSample(
                name: "random-\(index)", source: sourceDescription, arrays: try maker.sample(index: index))
        }
    }
}
