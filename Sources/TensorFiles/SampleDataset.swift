import Foundation
import OnnxIR

/// The samples at a path, in any supported layout, in a deterministic order, loaded one at a time.
///
/// `open(path:)` with `.automatic` decides the layout from what is there:
/// - a `.npz` file: one sample (use `.stackedNpz` for samples stacked on axis 0);
/// - a `.npy` or `.pb` file: one sample with one input (named after the file, or the TensorProto's name);
/// - a folder with `test_data_set_*` subfolders: ONNX test data;
/// - a folder with `.npz` files: one sample per file;
/// - a folder with subfolders holding `.npy`/`.pb` files: one sample per subfolder;
/// - a folder holding `.npy` files or `input_K.pb` files itself: one sample.
///
/// Samples are ordered by name, with runs of digits compared by value (`set_2` before `set_10`).
public struct SampleDataset: SampleSource {
    /// The path the samples come from.
    public let path: String
    /// The layout the samples were found in (never `.automatic`).
    public let layout: SampleLayout
    /// The sample names, in order, after the limit.
    public let sampleNames: [String]
    private let base: any SampleSource

    private init(base: any SampleSource, layout: SampleLayout, limit: Int?) {
        self.base = base
        self.path = base.path
        self.layout = layout
        let names = base.sampleNames
        self.sampleNames = limit.map { Array(names.prefix(max(0, $0))) } ?? names
    }

    /// Opens the samples at `path`.
    ///
    /// - Parameters:
    ///   - layout: the layout, or `.automatic` to detect it.
    ///   - inputNames: the model's input names in order; ONNX test data is matched by position when given.
    ///   - limit: keep only the first `limit` samples.
    /// - Throws: `TensorFileError` when nothing at `path` holds a sample.
    public static func open(
        path: String, layout: SampleLayout = .automatic, inputNames: [String]? = nil, limit: Int? = nil
    ) throws -> SampleDataset {
        guard FileManager.default.fileExists(atPath: path) else {
            throw TensorFileError(path: path, reason: "no such file or folder")
        }
        let resolved = layout == .automatic ? try detectLayout(path) : layout
        let base: any SampleSource
        switch resolved {
        case .automatic, .singleSample: base = try singleSample(path, inputNames: inputNames)
        case .npzFolder: base = try npzFolder(path)
        case .stackedNpz: base = try StackedNpzSource(path: path)
        case .npyFolders: base = try npyFolders(path)
        case .onnxTestData: base = try onnxTestData(path, inputNames: inputNames)
        }
        return SampleDataset(base: base, layout: resolved, limit: limit)
    }

    /// One sample from `NAME=FILE` arguments, each file a `.npy` or `.pb` tensor.
    public static func namedFiles(arguments: [String]) throws -> SampleDataset {
        let pairs = try arguments.map { argument -> (name: String, path: String) in
            guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
                throw TensorFileError(path: argument, reason: "expected NAME=FILE (a .npy or .pb file)")
            }
            return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
        }
        return try namedFiles(pairs: pairs)
    }

    /// One sample whose input `name` is read from `path`, for each pair.
    public static func namedFiles(pairs: [(name: String, path: String)]) throws -> SampleDataset {
        guard let first = pairs.first else {
            throw TensorFileError(path: "<inputs>", reason: "no NAME=FILE input given")
        }
        var seen = Set<String>()
        for (name, path) in pairs {
            guard seen.insert(name).inserted else {
                throw TensorFileError(path: path, reason: "input '\(name)' is given more than once")
            }
            guard TensorFile.isTensorFile(path) else {
                throw TensorFileError(path: path, reason: "input '\(name)': expected a .npy or .pb file")
            }
        }
        let source = SingleSampleSource(path: first.path, name: DirectoryListing.stem(first.path)) {
            var inputs: [String: Tensor] = [:]
            for (name, path) in pairs {
                var tensor = try TensorFile.read(path: path)
                tensor.name = name
                inputs[name] = tensor
            }
            return inputs
        }
        return SampleDataset(base: source, layout: .singleSample, limit: nil)
    }

    /// The first `limit` samples.
    public func limited(to limit: Int) -> SampleDataset {
        SampleDataset(base: base, layout: layout, limit: min(limit, sampleNames.count))
    }

    /// Loads sample `index`.
    public func sample(at index: Int) throws -> Sample {
        try checkIndex(index)
        return try base.sample(at: index)
    }

    // MARK: - Layout detection

    private static func detectLayout(_ path: String) throws -> SampleLayout {
        guard DirectoryListing.isFolder(path) else { return .singleSample }
        let listing = try DirectoryListing(path: path)
        if listing.folders.contains(where: isTestDataSet) { return .onnxTestData }
        if !listing.files(withExtension: "npz").isEmpty { return .npzFolder }
        if listing.folders.contains(where: { NpyFoldersSource.holdsTensorFiles(DirectoryListing.join(path, $0)) }) {
            return .npyFolders
        }
        let holdsInputFiles = try !OnnxTestDataSource.inputFiles(in: path).isEmpty
        if holdsInputFiles || !listing.files(withExtension: "npy").isEmpty { return .singleSample }
        throw noSamples(path)
    }

    private static func isTestDataSet(_ name: String) -> Bool { name.hasPrefix("test_data_set_") }

    private static func noSamples(_ path: String) -> TensorFileError {
        TensorFileError(
            path: path,
            reason: "no samples found (expected .npz files, per-sample folders of .npy files, "
                + "test_data_set_N folders of input_K.pb files, or .npy files)")
    }

    // MARK: - Layouts

    private static func npzFolder(_ path: String) throws -> any SampleSource {
        let files = try DirectoryListing(path: path).files(withExtension: "npz")
        guard !files.isEmpty else { throw noSamples(path) }
        return NpzFolderSource(path: path, files: files)
    }

    private static func npyFolders(_ path: String) throws -> any SampleSource {
        let folders = try DirectoryListing(path: path).folders.filter {
            NpyFoldersSource.holdsTensorFiles(DirectoryListing.join(path, $0))
        }
        guard !folders.isEmpty else { throw noSamples(path) }
        return NpyFoldersSource(path: path, folders: folders)
    }

    private static func onnxTestData(_ path: String, inputNames: [String]?) throws -> any SampleSource {
        let sets = try DirectoryListing(path: path).folders.filter(isTestDataSet)
        guard !sets.isEmpty else {
            // A single test_data_set folder given directly.
            guard !(try OnnxTestDataSource.inputFiles(in: path)).isEmpty else { throw noSamples(path) }
            return OnnxTestDataSource(setFolder: path, inputNames: inputNames)
        }
        return OnnxTestDataSource(path: path, sets: sets, inputNames: inputNames)
    }

    private static func singleSample(_ path: String, inputNames: [String]?) throws -> any SampleSource {
        let name = DirectoryListing.stem(path)
        guard DirectoryListing.isFolder(path) else {
            return try singleFileSample(path, name: name, inputNames: inputNames)
        }
        if !(try OnnxTestDataSource.inputFiles(in: path)).isEmpty {
            return OnnxTestDataSource(setFolder: path, inputNames: inputNames)
        }
        guard NpyFoldersSource.holdsTensorFiles(path) else { throw noSamples(path) }
        return SingleSampleSource(path: path, name: URL(fileURLWithPath: path).lastPathComponent) {
            try NpyFoldersSource.readTensorFolder(path)
        }
    }

    private static func singleFileSample(_ path: String, name: String, inputNames: [String]?) throws -> any SampleSource
    {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "npz":
            return SingleSampleSource(path: path, name: name) { try NpzReader(path: path).readAll() }
        case "npy":
            return SingleSampleSource(path: path, name: name) {
                var tensor = try NpyFile.read(path: path)
                tensor.name = name
                return [name: tensor]
            }
        case "pb":
            return SingleSampleSource(path: path, name: name) {
                var tensor = try TensorFile.read(path: path)
                let inputName = inputNames?.first ?? tensor.name ?? ""
                guard !inputName.isEmpty else {
                    throw TensorFileError(path: path, reason: "the tensor has no name; give the model's input names")
                }
                tensor.name = inputName
                return [inputName: tensor]
            }
        default:
            throw TensorFileError(path: path, reason: "not a sample file (expected .npz, .npy or .pb, or a folder)")
        }
    }
}
