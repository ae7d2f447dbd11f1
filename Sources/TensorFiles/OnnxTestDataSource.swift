import Foundation
import OnnxIR

/// Samples in ONNX's test-data layout: `test_data_set_N/input_K.pb`.
///
/// Inputs are named by position from the model's input names when they are
/// given (as ONNX's own backend test runner does), else by each TensorProto's name.
struct OnnxTestDataSource: SampleSource {
    let path: String
    let sampleNames: [String]
    private let folders: [String]
    private let inputNames: [String]?

    /// Samples for the set folders `sets` inside `path`.
    init(path: String, sets: [String], inputNames: [String]?) {
        self.path = path
        self.sampleNames = sets
        self.folders = sets.map { DirectoryListing.join(path, $0) }
        self.inputNames = inputNames
    }

    /// One sample: `path` itself is a set folder.
    init(setFolder path: String, inputNames: [String]?) {
        self.path = path
        self.sampleNames = [URL(fileURLWithPath: path).lastPathComponent]
        self.folders = [path]
        self.inputNames = inputNames
    }

    func sample(at index: Int) throws -> Sample {
        try checkIndex(index)
        return Sample(name: sampleNames[index], inputs: try readSet(folders[index]), source: folders[index])
    }

    /// The `input_K.pb` files of one set, in K order.
    static func inputFiles(in folder: String) throws -> [(position: Int, file: String)] {
        let files = try DirectoryListing(path: folder).files(withExtension: "pb")
        return files.compactMap { file -> (Int, String)? in
            guard file.hasPrefix("input_"), let position = Int(DirectoryListing.stem(file).dropFirst(6)) else {
                return nil
            }
            return (position, file)
        }.sorted { $0.0 < $1.0 }
    }

    private func readSet(_ folder: String) throws -> [String: Tensor] {
        var inputs: [String: Tensor] = [:]
        for (position, file) in try Self.inputFiles(in: folder) {
            let filePath = DirectoryListing.join(folder, file)
            var tensor = try TensorFile.read(path: filePath)
            let name = try inputName(position: position, tensor: tensor, file: filePath)
            guard inputs[name] == nil else {
                throw TensorFileError(path: filePath, reason: "input '\(name)' is given more than once in this set")
            }
            tensor.name = name
            inputs[name] = tensor
        }
        return inputs
    }

    private func inputName(position: Int, tensor: Tensor, file: String) throws -> String {
        if let inputNames {
            guard inputNames.indices.contains(position) else {
                throw TensorFileError(
                    path: file, reason: "input position \(position), but the model has \(inputNames.count) inputs")
            }
            return inputNames[position]
        }
        guard let name = tensor.name, !name.isEmpty else {
            throw TensorFileError(
                path: file, reason: "the tensor has no name; give the model's input names to match inputs by position")
        }
        return name
    }
}
