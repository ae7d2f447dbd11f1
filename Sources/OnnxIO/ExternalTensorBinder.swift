import Foundation
import OnnxIR

/// Attaches memory-mapped loaders to external tensors, one mapping per side file.
///
/// Every check happens when binding (that is, when the model is read): the
/// location must be relative and stay inside the folder (symbolic links
/// included), the side file must exist and the range must lie inside it.
/// The bytes themselves are only paged in when a tensor's data is asked for.
struct ExternalTensorBinder {
    /// The folder locations are relative to; nil checks locations without opening files.
    let baseDirectory: String?
    /// The file errors are reported against (the model, or the folder).
    let reportPath: String
    private var files: [String: MappedFile] = [:]

    /// Creates a binder for one model or tensor file.
    init(baseDirectory: String?, reportPath: String) {
        self.baseDirectory = baseDirectory
        self.reportPath = reportPath
    }

    /// Gives `tensor` a loader if its data is external; other tensors are left alone.
    mutating func bind(_ tensor: inout Tensor) throws {
        guard case .external(var external) = tensor.storage else { return }
        let name = tensor.name ?? ""
        guard let location = external.location else {
            throw OnnxIOError(
                path: reportPath, reason: .invalidTensor(tensor: name, message: "external data has no 'location' entry")
            )
        }
        guard let relative = ExternalLocation.normalized(location) else {
            throw OnnxIOError(path: reportPath, reason: .unsafeExternalLocation(tensor: name, location: location))
        }
        guard let baseDirectory else { return }
        let file = try mappedFile(relative, location: location, tensor: name, folder: baseDirectory)
        let (offset, length) = try range(of: external, in: file, tensor: name, location: location)
        external.source = LazyBytes(
            { file.data(offset: offset, length: length) },
            releasePages: { file.releasePages(offset: offset, length: length) })
        tensor.storage = .external(external)
    }

    private mutating func mappedFile(_ relative: String, location: String, tensor: String, folder: String) throws
        -> MappedFile
    {
        if let file = files[relative] { return file }
        let path = (folder.isEmpty ? "." : folder) + "/" + relative
        guard FileManager.default.fileExists(atPath: path) else {
            throw OnnxIOError(
                path: reportPath, reason: .externalDataUnreadable(tensor: tensor, file: path, message: "no such file"))
        }
        guard ExternalLocation.isInside(path, folder: folder.isEmpty ? "." : folder) else {
            throw OnnxIOError(path: reportPath, reason: .unsafeExternalLocation(tensor: tensor, location: location))
        }
        do {
            let file = try MappedFile(path: path)
            files[relative] = file
            return file
        } catch let error as OnnxIOError {
            throw OnnxIOError(
                path: reportPath, reason: .externalDataUnreadable(tensor: tensor, file: path, message: error.message))
        }
    }

    private func range(of external: ExternalData, in file: MappedFile, tensor: String, location: String) throws
        -> (Int, Int)
    {
        func outOfRange(_ message: String) -> OnnxIOError {
            OnnxIOError(
                path: reportPath, reason: .externalDataOutOfRange(tensor: tensor, file: file.path, message: message))
        }
        var offset = 0
        if let text = external.entry("offset") {
            guard let value = Int(text), value >= 0 else { throw outOfRange("offset '\(text)' is not a byte count") }
            offset = value
        }
        guard offset <= file.size else {
            throw outOfRange("offset \(offset) is beyond the end of the file (\(file.size) bytes)")
        }
        var length = file.size - offset
        if let text = external.entry("length") {
            guard let value = Int(text), value >= 0 else { throw outOfRange("length '\(text)' is not a byte count") }
            guard value <= file.size - offset else {
                throw outOfRange(
                    "offset \(offset) + length \(value) is beyond the end of the file (\(file.size) bytes)")
            }
            length = value
        }
        return (offset, length)
    }
}
