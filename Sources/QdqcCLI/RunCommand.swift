import ArgumentParser
import Foundation
import OnnxIR
import OnnxInterpreter
import TensorFiles

/// `qdqc run MODEL`: runs a model in the reference interpreter on one sample and writes its outputs.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a model in qdqc's reference interpreter on one sample and write the outputs.",
        discussion: """
            The sample comes from --data (a .npz keyed by input name, a folder of such files, a folder of
            per-sample folders of .npy files, or an ONNX test-data folder with input_K.pb files) or from
            --input NAME=FILE pairs (.npy or TensorProto .pb). Outputs go to OUT.npz, or to a folder of
            <output>.npy files when OUT does not end in .npz. Written atomically.
            """)

    @Argument(help: ArgumentHelp("The model to run (.onnx or .onnxtxt).", valueName: "model"))
    var model: String

    @Option(help: ArgumentHelp("The sample: a .npz, a sample folder, or a dataset folder.", valueName: "path"))
    var data: String?

    @Option(
        name: .customLong("input"),
        help: ArgumentHelp("One input as NAME=FILE (.npy or .pb); repeat for each input.", valueName: "name=file"))
    var inputs: [String] = []

    @Option(
        help: ArgumentHelp(
            "Which sample of a dataset with several: its name (e.g. 0007) or index.", valueName: "sample"))
    var sample: String?

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("Where to write the outputs: OUT.npz or a folder of .npy files.", valueName: "out"))
    var output: String

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    mutating func validate() throws {
        if data == nil && inputs.isEmpty { throw ValidationError("give the sample with --data or --input NAME=FILE") }
        if data != nil && !inputs.isEmpty { throw ValidationError("give --data or --input, not both") }
        if sample != nil && data == nil { throw ValidationError("--sample selects a sample of --data") }
    }

    func run() throws {
        let loaded = try ModelLoader.load(path: model)
        let interpreter: Interpreter
        do {
            interpreter = try Interpreter(model: loaded, name: model)
        } catch {
            throw CLIError(path: model, error)
        }
        let chosen = try loadSample(model: loaded)
        let outputs: [String: NDArray]
        do {
            outputs = try interpreter.run(tensors: chosen.inputs)
        } catch {
            throw CLIError(path: model, error)
        }
        let named = interpreter.outputNames.compactMap { name in outputs[name].map { (name: name, array: $0) } }
        try write(named.map { (name: $0.name, tensor: $0.array.tensor(name: $0.name)) })
        if !quiet {
            for (name, array) in named {
                StandardError.write("\(name): \(array.dataType) \(array.shape)\n")
            }
            StandardError.write("wrote \(output) (sample '\(chosen.name)')\n")
        }
    }

    /// The one sample to run, validated against the model's inputs.
    private func loadSample(model loaded: Model) throws -> Sample {
        let dataset: SampleDataset
        let sampleText: String
        do {
            if let data {
                let inputNames = loaded.graph.inputs.filter { !$0.isConstant }.map(\.name)
                dataset = try SampleDataset.open(path: data, inputNames: inputNames)
                sampleText = data
            } else {
                dataset = try SampleDataset.namedFiles(arguments: inputs)
                sampleText = inputs.joined(separator: " ")
            }
        } catch {
            throw CLIError(path: data ?? inputs.first ?? model, error)
        }
        let index = try sampleIndex(in: dataset, describedAs: sampleText)
        do {
            let chosen = try dataset.sample(at: index)
            try SampleValidator(graph: loaded.graph).validate(chosen)
            return chosen
        } catch {
            throw CLIError(path: data ?? sampleText, error)
        }
    }

    private func sampleIndex(in dataset: SampleDataset, describedAs path: String) throws -> Int {
        guard let sample else {
            guard dataset.count == 1 else {
                throw CLIError(
                    path: path,
                    message: "holds \(dataset.count) samples; choose one with --sample NAME or --sample INDEX")
            }
            return 0
        }
        if let index = dataset.sampleNames.firstIndex(of: sample) { return index }
        if let index = Int(sample), dataset.sampleNames.indices.contains(index) { return index }
        throw CLIError(path: path, message: "no sample '\(sample)' (it holds \(dataset.count))")
    }

    private func write(_ tensors: [(name: String, tensor: Tensor)]) throws {
        do {
            if output.lowercased().hasSuffix(".npz") {
                try NpzWriter.write(tensors, to: output)
            } else {
                try writeFolder(tensors)
            }
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError(path: output, error)
        }
    }

    /// Writes the `.npy` files into a fresh sibling folder, then renames it, so no half-written folder remains.
    private func writeFolder(_ tensors: [(name: String, tensor: Tensor)]) throws {
        let manager = FileManager.default
        if manager.fileExists(atPath: output) {
            throw CLIError(path: output, message: "already exists; remove it or choose another output folder")
        }
        let url = URL(fileURLWithPath: output)
        let staging = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        try? manager.removeItem(at: staging)
        do {
            try manager.createDirectory(at: staging, withIntermediateDirectories: false)
            _ = try NpyFolderWriter.write(tensors, to: staging.path)
            try manager.moveItem(at: staging, to: url)
        } catch {
            try? manager.removeItem(at: staging)
            throw error
        }
    }
}
