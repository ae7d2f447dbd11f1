import ArgumentParser
import Calibration
import Foundation
import ModelFiles
import OnnxIO
import OnnxIR
import OnnxInterpreter
import TensorFiles

/// `qdqc run MODEL`: runs a model in the reference interpreter on one sample and writes its outputs.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a model in qdqc's reference interpreter on one sample and write the outputs.",
        discussion: """
            The sample comes from --data (a .npz keyed by input name, a folder of such files, a folder of \
            per-sample folders of .npy files, or an ONNX test-data folder with input_K.pb files) or from \
            --input NAME=FILE pairs (.npy or TensorProto .pb). Outputs go to OUT.npz, or to a folder of \
            <output>.npy files when OUT does not end in .npz, or, with --pb or when an output has a type \
            numpy cannot hold (int4, int2, float8, float4, bfloat16), to a folder of TensorProto files \
            output_0.pb, output_1.pb ... in graph order (ONNX's test-data layout). Written atomically.
            With --all, every sample of --data runs and OUT is a folder with one <sample>.npz per sample \
            (a <sample> folder of output_K.pb files under --pb or for such types).
            With --generate N on a decoder with past (past_key_values.N.* inputs, present.N.* outputs; a quantized \
            cache included), the sample's input_ids are the prompt: one prefill step, then N greedy decode steps \
            (argmax of the last logits), each feeding the presents back as pasts; OUT.npz gets 'tokens' \
            int64[batch, prompt + N].
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

    @Flag(help: "Run every sample of --data; OUT becomes a folder of <sample>.npz files.")
    var all = false

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("Where to write the outputs: OUT.npz or a folder of .npy files.", valueName: "out"))
    var output: String

    @Flag(name: .customLong("pb"), help: "Write TensorProto files output_K.pb into the folder OUT (any ONNX type).")
    var protobuf = false

    @Option(
        help: ArgumentHelp(
            "Greedy generation on a decoder with past: decode this many tokens after the prompt (the sample's "
                + "input_ids), feeding present back as past; OUT.npz gets 'tokens'.",
            valueName: "n"))
    var generate: Int?

    @Option(
        name: .customLong("logits"),
        help: ArgumentHelp("With --generate: the output holding the logits (default: logits).", valueName: "name"))
    var logitsName = "logits"

    @Option(
        name: .customLong("suppress-tokens-from"),
        help: ArgumentHelp(
            "With --generate: never pick a token id at or above this one (e.g. the special tokens after a "
                + "vocabulary's text tokens).",
            valueName: "id"))
    var suppressFrom: Int?

    @Option(
        name: .customLong("cache-pairs"),
        help: ArgumentHelp(
            "With --generate: the cache as PAST:PRESENT,... (default: the model's qdqc.kv_cache.pairs metadata, "
                + "else inferred from the names).",
            valueName: "pairs"))
    var cachePairs: String?

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    @Flag(help: "Print the wall time each operator type took over all runs to standard error (even with --quiet).")
    var profile = false

    @Option(
        help: ArgumentHelp(
            "With --all: samples run at once (default: one per core; 1 with --profile); the outputs are the same "
                + "for any N.",
            valueName: "n"))
    var jobs: Int?

    mutating func validate() throws {
        if let generate {
            if generate < 0 { throw ValidationError("--generate must be at least 0") }
            if all { throw ValidationError("--generate runs one sample; give --sample, not --all") }
            if protobuf { throw ValidationError("--generate writes OUT.npz; --pb does not apply") }
            if !output.lowercased().hasSuffix(".npz") {
                throw ValidationError("--generate writes OUT.npz: -o must end in .npz")
            }
        } else if cachePairs != nil || suppressFrom != nil {
            throw ValidationError("--cache-pairs and --suppress-tokens-from apply to --generate")
        }
        if let suppressFrom, suppressFrom < 1 { throw ValidationError("--suppress-tokens-from must be at least 1") }
        if let jobs {
            if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
            if !all { throw ValidationError("--jobs applies to --all") }
            if profile && jobs > 1 { throw ValidationError("--profile times one sample at a time: give --jobs 1") }
        }
        if data == nil && inputs.isEmpty { throw ValidationError("give the sample with --data or --input NAME=FILE") }
        if data != nil && !inputs.isEmpty { throw ValidationError("give --data or --input, not both") }
        if sample != nil && data == nil { throw ValidationError("--sample selects a sample of --data") }
        if all && data == nil { throw ValidationError("--all runs every sample of --data") }
        if all && sample != nil { throw ValidationError("give --all or --sample, not both") }
        if protobuf && output.lowercased().hasSuffix(".npz") {
            throw ValidationError("--pb writes a folder of output_K.pb files; -o must not end in .npz")
        }
    }

    func run() throws {
        // Before any work, so a missing folder is one line about OUT rather than a Foundation error dump.
        try OutputDestination.checkFolder(of: output)
        let loaded = try ModelFile.read(path: model)
        let interpreter: Interpreter
        do {
            interpreter = try Interpreter(model: loaded, name: model)
        } catch {
            throw CLIError(path: model, error)
        }
        if let generate {
            return try runGeneration(steps: generate, model: loaded, interpreter: interpreter)
        }
        let dataset = try openDataset(model: loaded)
        let operatorProfile = profile ? OperatorProfile() : nil
        defer { if let operatorProfile { StandardError.write(operatorProfile.table) } }
        if all {
            try runAll(dataset, interpreter: interpreter, model: loaded, profile: operatorProfile)
            return
        }
        let chosen = try validatedSample(at: try sampleIndex(in: dataset), of: dataset, model: loaded)
        let named = try outputs(of: interpreter, on: chosen, profile: operatorProfile)
        try write { try writeOutputs(named, to: output) }
        if !quiet {
            for (name, tensor) in named {
                StandardError.write("\(name): \(tensor.dataType) \(tensor.dims)\n")
            }
            StandardError.write("wrote \(output) (sample '\(chosen.name)')\n")
        }
    }

    /// The greedy loop of `--generate`: a prefill on the prompt, then one token per step.
    private func runGeneration(steps: Int, model loaded: Model, interpreter: Interpreter) throws {
        let pairs: [CachePair]
        do {
            pairs =
                try cachePairs.map { try CachePairing.parse($0, graph: loaded.graph) } ?? CachePairing.pairs(of: loaded)
        } catch {
            throw CLIError(path: model, error)
        }
        guard interpreter.outputNames.contains(logitsName) else {
            throw CLIError(
                path: model, message: "no output '\(logitsName)' to take the next token from (give --logits NAME)")
        }
        let pasts = Set(pairs.map(\.past))
        let dataset: SampleDataset
        let chosen: Sample
        do {
            if let data {
                let names = loaded.graph.inputs.filter { !$0.isConstant && !pasts.contains($0.name) }.map(\.name)
                dataset = try SampleDataset.open(path: data, inputNames: names)
            } else {
                dataset = try SampleDataset.namedFiles(arguments: inputs)
            }
            chosen = try dataset.sample(at: try sampleIndex(in: dataset))
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError(path: data ?? inputs.first ?? model, error)
        }
        let source = data ?? inputs.joined(separator: " ")
        guard let prompt = chosen.inputs["input_ids"], prompt.dims.count == 2 else {
            throw CLIError(
                path: source, message: "sample '\(chosen.name)': no input_ids [batch, sequence] as the prompt")
        }
        let batch = Int(prompt.dims[0])
        let promptLength = Int(prompt.dims[1])
        if let limit = PositionLimit.of(loaded.graph), promptLength + steps > limit.positions {
            throw CLIError(
                path: source,
                message: "sample '\(chosen.name)': \(promptLength) prompt tokens + \(steps) generated exceed the "
                    + "\(limit.positions) positions of '\(limit.table)'")
        }
        var tokens: [[Int64]]
        do {
            let ids = try NDArray(tensor: prompt)
            let values = try ids.int64Values()
            tokens = (0..<batch).map { Array(values[($0 * promptLength)..<(($0 + 1) * promptLength)]) }
            let session = try DecoderSession(interpreter: interpreter, pairs: pairs, batch: batch)
            var next = ids
            var length = promptLength
            for step in 0...steps {
                let outputs = try session.step(["input_ids": next], tokens: length)
                guard step < steps else { break }
                guard let logits = outputs[logitsName], logits.rank == 3 else {
                    throw KVCacheError("output '\(logitsName)' is not [batch, sequence, vocabulary]")
                }
                let vocabulary = min(logits.shape[2], suppressFrom ?? Int.max)
                let stride = logits.shape[2]
                let positions = logits.shape[1]
                let scores = try logits.floatValues()
                var chosenIDs: [Int64] = []
                for row in 0..<batch {
                    let base = (row * positions + positions - 1) * stride
                    var best = 0
                    for index in 1..<vocabulary where scores[base + index] > scores[base + best] { best = index }
                    chosenIDs.append(Int64(best))
                    tokens[row].append(Int64(best))
                }
                next = try NDArray(int64s: chosenIDs, shape: [batch, 1])
                length = 1
            }
        } catch {
            throw CLIError(path: model, message: "sample '\(chosen.name)': \(error)")
        }
        let flat = tokens.flatMap { $0 }
        let tensor = Tensor(
            dataType: .int64, dims: [Int64(batch), Int64(promptLength + steps)],
            storage: .raw(flat.withUnsafeBytes { Data($0) }))
        try write { try NpzWriter.write([(name: "tokens", tensor: tensor)], to: output) }
        if !quiet {
            for row in tokens {
                StandardError.write("tokens: " + row.suffix(steps).map(String.init).joined(separator: " ") + "\n")
            }
            StandardError.write(
                "wrote \(output) (\(steps) tokens after a \(promptLength)-token prompt, sample '\(chosen.name)')\n")
        }
    }

    /// Runs every sample, writing `<sample>.npz` files into a staging folder renamed to OUT at the end.
    private func runAll(
        _ dataset: SampleDataset, interpreter: Interpreter, model loaded: Model, profile: OperatorProfile?
    ) throws {
        let start = Date()
        // The profile's clock is one per process, so profiled samples run one at a time.
        let workers = profile != nil ? SampleWorkers.single : jobs.map(SampleWorkers.init(count:)) ?? .perCore
        try write {
            try writeFolder { folder in
                try workers.forEach(dataset.count) { _, index in
                    let chosen = try validatedSample(at: index, of: dataset, model: loaded)
                    let named = try outputs(of: interpreter, on: chosen, profile: profile)
                    let stem = NpyFolderWriter.fileStem(for: chosen.name)
                    if needsProtobuf(named) {
                        let sampleFolder = (folder as NSString).appendingPathComponent(stem)
                        try FileManager.default.createDirectory(
                            atPath: sampleFolder, withIntermediateDirectories: false)
                        try Self.writeProtobufs(named, into: sampleFolder)
                    } else {
                        try NpzWriter.write(named, to: (folder as NSString).appendingPathComponent(stem + ".npz"))
                    }
                }
            }
        }
        if !quiet {
            let seconds = Date().timeIntervalSince(start)
            StandardError.write(
                "wrote \(output) (\(dataset.count) samples in \(String(format: "%.2f", seconds)) s)\n")
        }
    }

    /// Runs one sample and returns the graph outputs in graph order; `profile` times its nodes.
    private func outputs(of interpreter: Interpreter, on chosen: Sample, profile: OperatorProfile?) throws -> [(
        name: String, tensor: Tensor
    )] {
        let results: [String: NDArray]
        do {
            profile?.start()
            results = try interpreter.run(tensors: chosen.inputs, observer: profile?.observer)
        } catch {
            throw CLIError(path: model, message: "sample '\(chosen.name)': \(error)")
        }
        return interpreter.outputNames.compactMap { name in
            results[name].map { (name: name, tensor: $0.tensor(name: name)) }
        }
    }

    /// The samples named by --data or --input.
    private func openDataset(model loaded: Model) throws -> SampleDataset {
        do {
            if let data {
                let inputNames = loaded.graph.inputs.filter { !$0.isConstant }.map(\.name)
                return try SampleDataset.open(path: data, inputNames: inputNames)
            }
            return try SampleDataset.namedFiles(arguments: inputs)
        } catch {
            throw CLIError(path: data ?? inputs.first ?? model, error)
        }
    }

    /// Sample `index`, checked against the model's inputs.
    private func validatedSample(at index: Int, of dataset: SampleDataset, model loaded: Model) throws -> Sample {
        do {
            let chosen = try dataset.sample(at: index)
            try SampleValidator(graph: loaded.graph).validate(chosen)
            return chosen
        } catch {
            throw CLIError(path: data ?? inputs.joined(separator: " "), error)
        }
    }

    private func sampleIndex(in dataset: SampleDataset) throws -> Int {
        let path = data ?? inputs.joined(separator: " ")
        guard let sample else {
            guard dataset.count == 1 else {
                throw CLIError(
                    path: path,
                    message: "holds \(dataset.count) samples; choose one with --sample NAME or --sample INDEX, or --all"
                )
            }
            return 0
        }
        if let index = dataset.sampleNames.firstIndex(of: sample) { return index }
        if let index = Int(sample), dataset.sampleNames.indices.contains(index) { return index }
        throw CLIError(path: path, message: "no sample '\(sample)' (it holds \(dataset.count))")
    }

    /// Runs `body`, turning any error that is not already a `CLIError` into one about the output.
    private func write(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError(path: output, error)
        }
    }

    /// Writes one sample's outputs to OUT.npz or to a folder of `.npy` files.
    private func writeOutputs(_ tensors: [(name: String, tensor: Tensor)], to path: String) throws {
        if needsProtobuf(tensors) {
            if path.lowercased().hasSuffix(".npz"),
                let odd = tensors.first(where: { !NpyFile.canStore($0.tensor.dataType) })
            {
                throw CLIError(
                    path: path,
                    message: "output '\(odd.name)' is \(odd.tensor.dataType), which numpy cannot store: give a folder "
                        + "as -o to get TensorProto files output_K.pb")
            }
            try writeFolder { folder in try Self.writeProtobufs(tensors, into: folder) }
        } else if path.lowercased().hasSuffix(".npz") {
            try NpzWriter.write(tensors, to: path)
        } else {
            try writeFolder { folder in _ = try NpyFolderWriter.write(tensors, to: folder) }
        }
    }

    /// Whether the outputs go to `.pb` files: asked for, or a type numpy has no dtype for.
    private func needsProtobuf(_ tensors: [(name: String, tensor: Tensor)]) -> Bool {
        protobuf || tensors.contains { !NpyFile.canStore($0.tensor.dataType) }
    }

    /// Writes `output_K.pb` for each output in graph order, named as the graph names it (ONNX's test-data layout).
    private static func writeProtobufs(_ tensors: [(name: String, tensor: Tensor)], into folder: String) throws {
        for (index, entry) in tensors.enumerated() {
            var tensor = entry.tensor
            tensor.name = entry.name
            try TensorProtoFile.write(tensor, to: (folder as NSString).appendingPathComponent("output_\(index).pb"))
        }
    }

    /// Fills a fresh sibling folder, then renames it to OUT, so no half-written folder remains.
    private func writeFolder(_ fill: (String) throws -> Void) throws {
        try AtomicFolder.create(at: output, fill)
    }
}
