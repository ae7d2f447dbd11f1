import Foundation
import TestSupport

/// Broken inputs the CLI must reject with one `error:` line naming the file.
enum CorruptInput: String, CaseIterable, CustomStringConvertible, Sendable {
    case missingFile
    case emptyFile
    case truncatedFile
    case randomBytes
    case undefinedValue
    case externalDataOutsideModelFolder
    case malformedText
    case elidedTextDump

    var description: String { rawValue }

    /// A fragment the error line must contain, beyond the file name.
    var expectedFragment: String {
        switch self {
        case .undefinedValue: return "missing"
        case .externalDataOutsideModelFolder: return ".."
        case .malformedText: return "line 1, column"
        case .elidedTextDump: return "elided"
        default: return ":"
        }
    }

    /// Writes the input into `workspace` and returns its path.
    func prepare(in workspace: TemporaryDirectory) throws -> String {
        switch self {
        case .missingFile:
            return workspace.path("does-not-exist.onnx")
        case .emptyFile:
            return try workspace.write(Data(), to: "empty.onnx")
        case .truncatedFile:
            let whole = OnnxFixtures.smallModel()
            return try workspace.write(whole.prefix(whole.count / 2), to: "truncated.onnx")
        case .randomBytes:
            return try workspace.write(OnnxFixtures.randomBytes(count: 4096), to: "random.onnx")
        case .undefinedValue:
            return try workspace.write(OnnxFixtures.undefinedValueModel(), to: "undefined.onnx")
        case .externalDataOutsideModelFolder:
            let inner = workspace.url.appendingPathComponent("inner")
            try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
            try workspace.write(Data(repeating: 0, count: 8), to: "escape.bin")
            return try workspace.write(OnnxFixtures.externalDataOutsideModel(), to: "inner/escape.onnx")
        case .malformedText:
            return try workspace.write(Data("graph <<".utf8), to: "malformed.onnxtxt")
        case .elidedTextDump:
            // `qdqc print` elides tensors of more than 64 elements; such text cannot be loaded as a model.
            let binary = try workspace.write(OnnxFixtures.largeInitializerModel(), to: "large.onnx")
            let printed = try Qdqc.run(["print", binary])
            try FileManager.default.removeItem(atPath: binary)
            return try workspace.write(Data(printed.standardOutput.utf8), to: "elided.onnxtxt")
        }
    }
}
