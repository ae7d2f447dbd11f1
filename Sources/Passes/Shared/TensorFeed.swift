import Calibration
import OnnxIR

/// Which jobs of a pass read which tensors, and one run of a model over the calibration samples that hands each
/// such float32 tensor, as it is produced, to every job reading it: the measuring loop of the passes that
/// prepare weights for `insert-qdq` (`round-weights` feeds each layer's input to its Gram matrix, `correct-bias`
/// feeds each layer's input to its means and its quantized weight once).
struct TensorFeed<Role> {
    private var readers: [String: [(job: Int, role: Role)]] = [:]

    /// An empty feed.
    init() {}

    /// Hands `tensor` to job `job` in the part `role`.
    mutating func watch(_ tensor: String, job: Int, role: Role) {
        readers[tensor, default: []].append((job, role))
    }

    /// Runs `model` over the samples of `source` (progress under `task`) and calls `deliver` with each job reading a
    /// float32 tensor, its role, and the tensor's values, shape and name; does nothing when nothing is watched.
    func run(
        model: Model, source: CalibrationDataSource, task: String, context: PassContext,
        deliver:
            @escaping (
                _ job: Int, _ role: Role, _ values: UnsafeBufferPointer<Float>, _ shape: [Int], _ tensor: String
            ) throws -> Void
    ) throws {
        guard !readers.isEmpty else { return }
        let samples = try CalibrationSamples(model: model, source: source)
        let runner = CalibrationRunner(samples: samples, task: task, progress: context.progress)
        let readers = readers
        try runner.run(model: model, watching: { readers[$0] != nil }) { tensor in
            let array = tensor.array
            guard array.dataType == .float else { return }
            try array.withFloats { values in
                for reader in readers[tensor.name] ?? [] {
                    try deliver(reader.job, reader.role, values, array.shape, tensor.name)
                }
            }
        }
    }
}

extension TensorFeed where Role == Void {
    /// Hands `tensor` to job `job`, for a pass whose jobs read one tensor each.
    mutating func watch(_ tensor: String, job: Int) { watch(tensor, job: job, role: ()) }
}
