import OnnxIR

/// Exactly one sample, read by a closure when asked for.
struct SingleSampleSource: SampleSource {
    let path: String
    let sampleNames: [String]
    private let load: @Sendable () throws -> [String: Tensor]

    /// A sample called `name`, from `path`, whose inputs `load` reads.
    init(path: String, name: String, load: @escaping @Sendable () throws -> [String: Tensor]) {
        self.path = path
        self.sampleNames = [name]
        self.load = load
    }

    func sample(at index: Int) throws -> Sample {
        try checkIndex(index)
        return Sample(name: sampleNames[0], inputs: try load(), source: path)
    }
}
