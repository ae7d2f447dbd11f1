import Foundation
import OnnxIR

/// Collects tensor bytes into one side file while a model is encoded.
///
/// The file is a temporary beside its destination, created on the first tensor
/// placed; the writer commits it (renames it into place) only when the model
/// file is written too. Each tensor starts at a multiple of `alignment` bytes.
final class ExternalDataSink {
    /// Which tensors go to the side file.
    enum Policy: Equatable {
        /// Tensors that were external when read, and every other externalizable tensor of at least this many bytes.
        case largeTensors(threshold: Int)
        /// Only tensors that were external when read.
        case previouslyExternal
    }

    /// The location written into tensors (relative to the model's folder).
    let location: String
    /// Where the side file goes.
    let temporary: TemporaryFile
    /// Which tensors go to the side file.
    let policy: Policy
    /// Tensors placed so far.
    private(set) var tensorCount = 0
    private var file: FileSink?
    private let alignment = 64

    /// Creates a sink for `location` inside `folder`.
    init(location: String, folder: String, policy: Policy) {
        self.location = location
        self.temporary = TemporaryFile(destination: (folder.isEmpty ? "." : folder) + "/" + location)
        self.policy = policy
    }

    /// Bytes written to the side file so far.
    var byteCount: Int { file?.position ?? 0 }

    /// Writes `tensor`'s bytes to the side file if the policy says so and returns the `external_data`
    /// entries to record; nil keeps the tensor inline.
    ///
    /// - Parameter externalizable: whether size alone may move this tensor out (main-graph
    ///   initializers and attributes, as `onnx` itself does); previously external tensors always move.
    func place(_ tensor: Tensor, externalizable: Bool, errorPath: String) throws -> [KeyValue]? {
        let name = tensor.name ?? ""
        let bytes: Data
        switch tensor.storage {
        case .external(let external):
            guard let source = external.source else {
                throw OnnxIOError(
                    path: errorPath, reason: .externalDataUnavailable(tensor: name, location: external.location ?? ""))
            }
            bytes = try source.bytes()
        case .none, .strings:
            return nil
        default:
            guard externalizable, case .largeTensors(let threshold) = policy else { return nil }
            if case .raw(let data) = tensor.storage, data.count < threshold { return nil }
            do {
                bytes = try tensor.rawBytes()
            } catch {
                throw OnnxIOError(path: errorPath, reason: .invalidTensor(tensor: name, message: "\(error)"))
            }
            guard bytes.count >= threshold else { return nil }
        }
        let sink = try openFile()
        sink.appendZeros((alignment - sink.position % alignment) % alignment)
        let offset = sink.position
        bytes.withUnsafeBytes { sink.append($0) }
        // Written: a memory-mapped input tensor's pages can go, so writing holds one tensor at a time.
        tensor.releaseResidentPages()
        tensorCount += 1
        return [
            KeyValue("location", location), KeyValue("offset", String(offset)), KeyValue("length", String(bytes.count)),
        ]
    }

    /// Closes the side file (if any tensor was placed) and reports a write failure.
    func finish() throws {
        guard let file else { return }
        do { try file.finish() } catch { throw temporary.relabeled(error) }
    }

    /// Renames the side file into place, if one was written.
    func commit() throws {
        if file != nil { try temporary.commit() }
    }

    /// Removes the temporary side file.
    func discard() {
        if file != nil { temporary.discard() }
    }

    private func openFile() throws -> FileSink {
        if let file { return file }
        do {
            let created = try FileSink(path: temporary.path)
            file = created
            return created
        } catch {
            throw temporary.relabeled(error)
        }
    }
}
