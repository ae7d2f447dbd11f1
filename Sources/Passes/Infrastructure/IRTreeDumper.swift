import Foundation
import OnnxIO
import OnnxIR
import OnnxText

/// Writes the numbered dumps of `--print-ir-tree-dir` and the reproducer of a failed run.
///
/// `00-input.onnxtxt` holds the model before the first pass and `NN-<pass>.onnxtxt`
/// the model after pass NN; each starts with `#` banner lines and keeps large
/// tensors in a sidecar `NN-<pass>.bin` so the dump stays small and complete.
struct IRTreeDumper {
    /// A dump already written: its body text (without banner) and file name.
    struct Dump {
        var body: String
        var fileName: String
    }

    static let reproducerFileName = "reproducer.onnxtxt"

    let directory: String
    let pipeline: Pipeline
    let largeTensorThreshold: Int

    /// Creates the directory (and its parents) if needed.
    func prepare() throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw PassManagerError.dumpFailed(path: directory, reason: "cannot create the directory")
        }
    }

    func dumpInput(_ model: Model) throws -> Dump {
        let banner = [
            "# qdqc IR dump \(number(0)): input model, before any pass",
            "# pipeline: \(pipelineText)",
        ]
        return try write(model, stem: "\(number(0))-input", banner: banner)
    }

    func dump(_ model: Model, after record: PassRunRecord) throws -> Dump {
        let banner = [
            "# qdqc IR dump \(number(record.position)): after pass '\(record.element)'"
                + " (\(record.position) of \(pipeline.elements.count))",
            "# pipeline: \(pipelineText)",
            "# changed: \(record.changed ? "yes" : "no")",
            "# statistics: \(record.statisticsSummary)",
        ]
        return try write(model, stem: "\(number(record.position))-\(record.argument)", banner: banner)
    }

    /// Writes the IR before the failing pass with the rest of the pipeline; returns the file's path.
    func writeReproducer(before dump: Dump, failingPosition: Int, element: String, error: String) throws -> String {
        let remaining = pipeline.suffix(from: failingPosition - 1).description
        let banner = [
            "# qdqc reproducer: the IR before the failing pass (copied from \(dump.fileName))",
            "# failing pass: '\(element)' (\(failingPosition) of \(pipeline.elements.count))",
            "# error: \(Self.oneLine(error))",
            "# pipeline: \(pipelineText)",
            "# remaining pipeline: \(remaining)",
            "# rerun: qdqc \(Self.reproducerFileName) -o reproduced.onnx --passes \(Self.shellQuoted(remaining))",
        ]
        let path = (directory as NSString).appendingPathComponent(Self.reproducerFileName)
        try writeFile(Data((banner.joined(separator: "\n") + "\n" + dump.body).utf8), to: path)
        return path
    }

    private var pipelineText: String { pipeline.isEmpty ? "(empty)" : pipeline.description }

    private func write(_ model: Model, stem: String, banner: [String]) throws -> Dump {
        let sidecarName = stem + ".bin"
        let fileName = stem + ".onnxtxt"
        let printed: PrintedModel
        do {
            let options = TextPrintOptions(
                largeTensors: .sidecar(fileName: sidecarName), largeTensorThreshold: largeTensorThreshold)
            printed = try TextPrinter(options: options).print(model)
        } catch {
            throw PassManagerError.dumpFailed(path: path(fileName), reason: Self.oneLine("\(error)"))
        }
        var lines = banner
        if let sidecar = printed.sidecar {
            try writeFile(sidecar, to: path(sidecarName))
            lines.append("# large tensors: \(sidecarName)")
        }
        try writeFile(Data((lines.joined(separator: "\n") + "\n" + printed.text).utf8), to: path(fileName))
        return Dump(body: printed.text, fileName: fileName)
    }

    private func writeFile(_ data: Data, to path: String) throws {
        do {
            try AtomicFile.write(data, to: path)
        } catch {
            throw PassManagerError.dumpFailed(path: path, reason: Self.oneLine("\(error)"))
        }
    }

    private func path(_ fileName: String) -> String {
        (directory as NSString).appendingPathComponent(fileName)
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
