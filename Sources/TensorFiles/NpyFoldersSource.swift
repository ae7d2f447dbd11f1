import OnnxIR

/// Samples from a folder of per-sample folders, each holding one `<input>.npy` (or `<input>.pb`) per input.
struct NpyFoldersSource: SampleSource {
    let path: String
    let sampleNames: [String]

    /// Samples for the subfolders `folders` of `path`, in order.
    init(path: String, folders: [String]) {
        self.path = path
        self.sampleNames = folders
    }

    func sample(at index: Int) throws -> Sample {
        try checkIndex(index)
        let folder = DirectoryListing.join(path, sampleNames[index])
        return Sample(name: sampleNames[index], inputs: try Self.readTensorFolder(folder), source: folder)
    }

    /// Every `.npy`/`.pb` file of `folder`, keyed by file name without extension.
    static func readTensorFolder(_ folder: String) throws -> [String: Tensor] {
        var inputs: [String: Tensor] = [:]
        for file in try DirectoryListing(path: folder).files where TensorFile.isTensorFile(file) {
            let name = DirectoryListing.stem(file)
            guard inputs[name] == nil else {
                throw TensorFileError(path: folder, reason: "input '\(name)' is given by more than one file")
            }
            var tensor = try TensorFile.read(path: DirectoryListing.join(folder, file))
            tensor.name = name
            inputs[name] = tensor
        }
        return inputs
    }

    /// Whether `folder` holds at least one tensor file.
    static func holdsTensorFiles(_ folder: String) -> Bool {
        (try? DirectoryListing(path: folder).files.contains(where: TensorFile.isTensorFile)) ?? false
    }
}
