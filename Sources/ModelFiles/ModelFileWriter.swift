import Foundation
import OnnxIO
import OnnxIR
import OnnxText

/// Writes a model as binary protobuf, or as ONNX text when its path ends in `.onnxtxt`.
///
/// Text is what `--print-ir-after-all` shows, so a user who asks for a `.onnxtxt` output gets a file
/// `qdqc` and `onnx.parser` read back; writing protobuf bytes under that name would only fail later.
public struct ModelFileWriter {
    /// The output path.
    public let path: String
    /// The external-data file name, relative to the output's folder.
    public let externalData: String?
    /// Tensors of at least this many bytes go to the external-data file (protobuf output only).
    public let externalDataThreshold: Int?

    /// Creates a writer for `path`.
    public init(path: String, externalData: String? = nil, externalDataThreshold: Int? = nil) {
        self.path = path
        self.externalData = externalData
        self.externalDataThreshold = externalDataThreshold
    }

    /// Whether the path asks for ONNX text.
    public var isText: Bool { ModelFile.isText(path) }

    /// Writes `model` atomically and returns the notes worth telling the user.
    public func write(_ model: Model) throws -> [String] {
        guard isText else {
            let options = ModelWriteOptions(
                externalDataFile: externalData,
                externalDataThreshold: externalDataThreshold ?? ModelWriteOptions().externalDataThreshold)
            return try ModelWriter.write(model, to: path, options: options).notes
        }
        let mode = externalData.map { LargeTensorMode.sidecar(fileName: $0) } ?? .inline
        try TextModelFile(largeTensors: mode).write(model, to: path)
        return []
    }
}
