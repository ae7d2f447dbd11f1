/// Samples from a folder of `.npz` files, one sample per file, arrays keyed by input name.
struct NpzFolderSource: SampleSource {
    let path: String
    let sampleNames: [String]
    private let files: [String]

    /// Samples for the `.npz` files `files` (names inside `path`, in order).
    init(path: String, files: [String]) {
        self.path = path
        self.files = files
        self.sampleNames = files.map(DirectoryListing.stem)
    }

    func sample(at index: Int) throws -> Sample {
        try checkIndex(index)
        let file = DirectoryListing.join(path, files[index])
        let inputs = try NpzReader(path: file).readAll()
        return Sample(name: sampleNames[index], inputs: inputs, source: file)
    }
}
