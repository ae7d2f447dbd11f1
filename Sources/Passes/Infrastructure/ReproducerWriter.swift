import Calibration
import Foundation
import ModelFiles
import OnnxIO
import OnnxIR

/// Writes a self-contained reproducer of a failed pipeline run into a folder.
///
/// The folder holds `input.onnxtxt` (the IR before the failing pass, large tensors in `input.bin`),
/// `pipeline` (the failing pass and the rest of the pipeline, with what earlier passes left in the
/// session pinned as options, see `SessionReadingPass`) and the files those options name (the
/// calibration table), so `qdqc DIR/input.onnxtxt --passes "$(cat DIR/pipeline)"` fails the same way.
struct ReproducerWriter {
    /// The model file's name in the folder.
    static let modelFileName = "input.onnxtxt"
    /// The pipeline file's name in the folder.
    static let pipelineFileName = "pipeline"
    /// The sidecar of the model file.
    static let sidecarFileName = "input.bin"

    let files: ReproducerFiles
    let pipeline: Pipeline
    let largeTensorThreshold: Int

    /// Writes the reproducer of the pass at `index` (of `passes`) failing with `error` on the model `snapshot`
    /// (protobuf bytes of the IR before that pass); returns the folder.
    func write(
        snapshot: Data, failingAt index: Int, passes: [any Pass], error: String, context: PassContext
    ) throws -> String {
        do {
            try FileManager.default.createDirectory(atPath: files.directory, withIntermediateDirectories: true)
        } catch {
            throw PassManagerError.dumpFailed(path: files.directory, reason: "cannot create the directory")
        }
        let remaining = try pinnedRemainder(from: index, passes: passes, session: context.session)
        let remainingText = remaining.description
        try files.write(Data((remainingText + "\n").utf8), named: Self.pipelineFileName)
        let modelPath = files.path(Self.modelFileName)
        let rerun =
            "qdqc \(IRTreeDumper.shellQuoted(modelPath)) --passes "
            + "\"$(cat \(IRTreeDumper.shellQuoted(files.path(Self.pipelineFileName))))\""
            + Self.calibrationFlags(context.calibrationData, remaining: remaining)
        var banner = [
            "# qdqc reproducer: the IR before the failing pass",
            "# failing pass: '\(pipeline.elements[index])' (\(index + 1) of \(pipeline.elements.count))",
            "# error: \(IRTreeDumper.oneLine(error))",
            "# pipeline: \(pipeline.isEmpty ? "(empty)" : pipeline.description)",
            "# remaining pipeline: \(remainingText)",
            "# rerun: \(rerun)",
        ]
        do {
            let model = try ModelReader.read(data: snapshot, path: modelPath, baseDirectory: nil)
            let writer = TextModelFile(
                largeTensors: .sidecar(fileName: Self.sidecarFileName), largeTensorThreshold: largeTensorThreshold)
            let printed = try writer.print(model)
            if printed.sidecar != nil { banner.append("# large tensors: \(Self.sidecarFileName)") }
            try writer.write(printed, to: modelPath, banner: banner)
        } catch let error as ModelFileError {
            throw PassManagerError.dumpFailed(path: error.path, reason: error.message)
        } catch {
            throw PassManagerError.dumpFailed(path: modelPath, reason: IRTreeDumper.oneLine("\(error)"))
        }
        return files.directory
    }

    /// The pipeline from `index` on, each pass that reads the session pinned unless a pass before it refills it.
    private func pinnedRemainder(from index: Int, passes: [any Pass], session: PipelineSession) throws -> Pipeline {
        var remaining = pipeline.suffix(from: index)
        var ran = Set<String>()
        for offset in remaining.elements.indices {
            let element = remaining.elements[offset]
            if let reader = type(of: passes[index + offset]) as? any SessionReadingPass.Type,
                ran.isDisjoint(with: reader.sessionWriters)
            {
                remaining.elements[offset] = try reader.pinning(element, session: session, files: files)
            }
            ran.insert(element.passArgument)
        }
        return remaining
    }

    /// The flags that give the rerun the same calibration samples, when a remaining pass may read them.
    private static func calibrationFlags(_ source: CalibrationDataSource?, remaining: Pipeline) -> String {
        guard let source,
            remaining.contains(pass: CalibratePass.argument) || remaining.contains(pass: SmoothQuantPass.argument)
        else { return "" }
        var flags: String
        switch source.origin {
        case .files(let path): flags = " --calib-data \(IRTreeDumper.shellQuoted(path))"
        case .random(let seed, let sampleCount):
            flags = " --calib-random --calib-seed \(seed)"
            if source.sampleLimit == nil { flags += " --calib-samples \(sampleCount)" }
        }
        if let limit = source.sampleLimit { flags += " --calib-samples \(limit)" }
        return flags
    }
}
