import Foundation
import OnnxIO
import OnnxIR
import OnnxText

/// Writes a model as ONNX text, large tensors in a sidecar beside it, both atomically.
///
/// What `-o model.onnxtxt`, the IR dumps and the reproducers write, so all three load back the same way
/// (`ModelFile.read`): the sidecar is named relative to the text file's folder.
public struct TextModelFile {
    /// Where large tensors go: inline, elided, or a sidecar file named relative to the text file's folder.
    public var largeTensors: LargeTensorMode
    /// Tensors with more elements than this count as large (nil: the printer's default).
    public var largeTensorThreshold: Int?

    /// Creates a writer.
    public init(largeTensors: LargeTensorMode, largeTensorThreshold: Int? = nil) {
        self.largeTensors = largeTensors
        self.largeTensorThreshold = largeTensorThreshold
    }

    /// Prints `model`; the text ends with a line break.
    public func print(_ model: Model) throws -> PrintedModel {
        var options = TextPrintOptions(largeTensors: largeTensors)
        if let largeTensorThreshold { options.largeTensorThreshold = largeTensorThreshold }
        var printed = try TextPrinter(options: options).print(model)
        if !printed.text.hasSuffix("\n") { printed.text += "\n" }
        return printed
    }

    /// Writes `printed` to `path` after the `banner` lines (each should start with `#`), the sidecar first.
    ///
    /// Errors are `ModelFileError`s naming the file that could not be written.
    public func write(_ printed: PrintedModel, to path: String, banner: [String] = []) throws {
        if case .sidecar(let fileName) = largeTensors, let sidecar = printed.sidecar {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            let sidecarPath = folder.appendingPathComponent(fileName).path
            do {
                try AtomicFile.write(sidecar, to: sidecarPath)
            } catch {
                throw ModelFileError(path: sidecarPath, error)
            }
        }
        let header = banner.isEmpty ? "" : banner.joined(separator: "\n") + "\n"
        do {
            try AtomicFile.write(Data((header + printed.text).utf8), to: path)
        } catch {
            throw ModelFileError(path: path, error)
        }
    }

    /// Prints `model` and writes it to `path`; returns what was printed.
    @discardableResult
    public func write(_ model: Model, to path: String, banner: [String] = []) throws -> PrintedModel {
        let printed: PrintedModel
        do {
            printed = try print(model)
        } catch {
            throw ModelFileError(path: path, error)
        }
        try write(printed, to: path, banner: banner)
        return printed
    }
}
