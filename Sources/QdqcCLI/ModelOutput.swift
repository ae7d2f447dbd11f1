import Foundation
import OnnxIO
import OnnxIR
import OnnxText

/// Writes a converted model as binary protobuf, or as ONNX text when its path ends in `.onnxtxt`.
///
/// Text is what `--print-ir-after-all` shows, so a user who asks for a `.onnxtxt` output gets a file
/// `qdqc` and `onnx.parser` read back; writing protobuf bytes under that name would only fail later.
struct ModelOutput {
    /// The output path.
    let path: String
    /// The external-data file name, relative to the output's folder.
    let externalData: String?
    /// Tensors of at least this many bytes go to the external-data file (protobuf output only).
    let externalDataThreshold: Int?

    /// Whether the path asks for ONNX text.
    var isText: Bool { URL(fileURLWithPath: path).pathExtension.lowercased() == "onnxtxt" }

    /// Writes `model` atomically and returns the notes worth telling the user.
    func write(_ model: Model) throws -> [String] {
        guard isText else {
            let options = ModelWriteOptions(
                externalDataFile: externalData,
                externalDataThreshold: externalDataThreshold ?? ModelWriteOptions().externalDataThreshold)
            return try ModelWriter.write(model, to: path, options: options).notes
        }
        let mode = externalData.map { LargeTensorMode.sidecar(fileName: $0) } ?? .inline
        let printed = try TextPrinter(options: TextPrintOptions(largeTensors: mode)).print(model)
        if let externalData, let sidecar = printed.sidecar {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            try AtomicFile.write(sidecar, to: folder.appendingPathComponent(externalData).path)
        }
        let text = printed.text.hasSuffix("\n") ? printed.text : printed.text + "\n"
        try AtomicFile.write(Data(text.utf8), to: path)
        return []
    }
}
