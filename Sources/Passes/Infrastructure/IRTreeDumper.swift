import Foundation
import ModelFiles
import OnnxIO
import OnnxIR

/// Writes the numbered dumps of `--print-ir-tree-dir`.
///
/// `00-input.onnxtxt` holds the model before the first pass and `NN-<pass>.onnxtxt`
/// the model after pass NN; each starts with `#` banner lines and keeps large
/// tensors in a sidecar `NN-<pass>.bin` so the dump stays small and complete.
/// A failed run's reproducer goes to `reproducer/` beside them (`ReproducerWriter`).
struct IRTreeDumper {
    let directory: String
    let pipeline: Pipeline
    let largeTensorThreshold: Int
    var format: IRDumpFormat = .onnxtxt

    /// Tensors of at least this many bytes go to the `.onnx` dump's side file, as `--external-data` does by default.
    static let protobufSideFileThreshold = 1024

    /// Creates the directory (and its parents) if needed.
    func prepare() throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw PassManagerError.dumpFailed(path: directory, reason: "cannot create the directory")
        }
    }

    func dumpInput(_ model: Model) throws {
        let banner = [
            "# qdqc IR dump \(number(0)): input model, before any pass",
            "# pipeline: \(pipelineText)",
        ]
        try write(model, stem: "\(number(0))-input", banner: banner)
    }

    func dump(_ model: Model, after record: PassRunRecord) throws {
        let banner = [
            "# qdqc IR dump \(number(record.position)): after pass '\(record.element)'"
                + " (\(record.position) of \(pipeline.elements.count))",
            "# pipeline: \(pipelineText)",
            "# changed: \(record.changed ? "yes" : "no")",
            "# statistics: \(record.statisticsSummary)",
        ]
        try write(model, stem: "\(number(record.position))-\(record.argument)", banner: banner)
    }

    private var pipelineText: String { pipeline.isEmpty ? "(empty)" : pipeline.description }

    private func write(_ model: Model, stem: String, banner: [String]) throws {
        if format.writesProtobuf { try writeProtobuf(model, stem: stem) }
        guard format.writesText else { return }
        let sidecarName = stem + ".bin"
        let path = (directory as NSString).appendingPathComponent(stem + ".onnxtxt")
        let writer = TextModelFile(
            largeTensors: .sidecar(fileName: sidecarName), largeTensorThreshold: largeTensorThreshold)
        do {
            let printed = try writer.print(model)
            let lines = banner + (printed.sidecar == nil ? [] : ["# large tensors: \(sidecarName)"])
            try writer.write(printed, to: path, banner: lines)
        } catch let error as ModelFileError {
            throw PassManagerError.dumpFailed(path: error.path, reason: error.message)
        } catch {
            throw PassManagerError.dumpFailed(path: path, reason: Self.oneLine("\(error)"))
        }
    }

    /// `NN-<pass>.onnx`, loadable by ONNX and Netron: tensors of 1024 bytes or more in `NN-<pass>.onnx.data` (a
    /// tensor that was external in the input is copied there too: a dump never refers outside its folder, which
    /// ONNX's loader refuses).
    private func writeProtobuf(_ model: Model, stem: String) throws {
        let path = (directory as NSString).appendingPathComponent(stem + ".onnx")
        let options = ModelWriteOptions(
            externalDataFile: stem + ".onnx.data", externalDataThreshold: Self.protobufSideFileThreshold)
        do {
            try ModelWriter.write(model, to: path, options: options)
        } catch let error as OnnxIOError {
            throw PassManagerError.dumpFailed(path: error.path, reason: error.message)
        } catch {
            throw PassManagerError.dumpFailed(path: path, reason: Self.oneLine("\(error)"))
        }
    }

    /// Two digits, more when the pipeline has 100 passes or more, so names sort in pipeline order.
    private func number(_ index: Int) -> String {
        let width = max(2, String(pipeline.elements.count).count)
        let digits = String(index)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
