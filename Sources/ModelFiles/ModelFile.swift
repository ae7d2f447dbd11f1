import Foundation
import OnnxIO
import OnnxIR
import OnnxText

/// Reads a model the way every command does: protobuf, or ONNX text for `.onnxtxt`, then the verifier.
public enum ModelFile {
    /// Reads and verifies the model at `path`; any problem becomes a `ModelFileError` naming the file.
    public static func read(path: String) throws -> Model {
        let model: Model
        do {
            model = isText(path) ? try readText(path: path) : try ModelReader.read(path: path)
        } catch let error as ModelFileError {
            throw error
        } catch {
            throw ModelFileError(path: path, error)
        }
        do {
            try Verifier().verify(model)
        } catch {
            throw ModelFileError(path: path, error)
        }
        return model
    }

    /// Whether `path` names a textual model (`.onnxtxt`), such as a dump or a reproducer.
    public static func isText(_ path: String) -> Bool {
        URL(fileURLWithPath: path).pathExtension.lowercased() == "onnxtxt"
    }

    /// Parses ONNX text and binds its external-data references (dump sidecars) relative to the file.
    private static func readText(path: String) throws -> Model {
        // Checked before reading: a named pipe would block, a device never end.
        if let problem = RegularFile.problem(atPath: path) {
            throw ModelFileError(path: path, message: problem == .folder ? "is a directory, not a model" : "\(problem)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError(path: path, message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ModelFileError(path: path, message: "not UTF-8 text")
        }
        let model = try TextParser.parseModel(text)
        try ElidedTensorCheck.rejectElidedTensors(in: model)
        var directory = (path as NSString).deletingLastPathComponent
        if directory.isEmpty { directory = "." }
        do {
            try ExternalDataBinder.bind(model, baseDirectory: directory)
        } catch {
            // The binder names the folder; the user named the file, so say that instead.
            var message = "\(error)"
            if message.hasPrefix(directory + ": ") { message.removeFirst(directory.count + 2) }
            throw ModelFileError(path: path, message: message)
        }
        return model
    }
}
