import COnnxProto
import Foundation
import OnnxIR

/// Writes IR models as ONNX protobuf files.
///
/// The model becomes a tree of protobuf-c structs whose `raw_data` fields point
/// at the tensors' own bytes, and protobuf-c streams it to the file: weights are
/// never copied element by element, nor held twice in memory.
public enum ModelWriter {
    /// The model encoded as protobuf bytes, every tensor inline (external tensors are loaded).
    ///
    /// Beyond 2 GiB the bytes are valid for protobuf-c but not for most other readers; use `write`.
    public static func serialize(_ model: Model) throws -> Data {
        let encoder = ProtoEncoder(errorPath: model.graph.name.map { "model '\($0)'" } ?? "model", sink: nil)
        let proto = try encoder.modelProto(model)
        return withExtendedLifetime(encoder) { ProtoMessage.pack(proto) }
    }

    /// Streams the bytes `serialize(_:)` returns to `consume`, piece by piece, without holding them whole:
    /// a memory-mapped tensor gives its pages back once its piece is consumed, so hashing a model larger
    /// than memory holds one tensor's pages at a time.
    public static func serialize(_ model: Model, to consume: (UnsafeRawBufferPointer) throws -> Void) throws {
        let encoder = ProtoEncoder(errorPath: model.graph.name.map { "model '\($0)'" } ?? "model", sink: nil)
        let proto = try encoder.modelProto(model)
        var failure: Error?
        withExtendedLifetime(encoder) {
            ProtoMessage.pack(proto) { piece in
                guard failure == nil else { return }
                do { try consume(piece) } catch { failure = error }
                encoder.tensors.inlinedExternal.consumed(piece)
            }
        }
        if let failure { throw failure }
    }

    /// Writes `model` to `path` atomically (temporary file, then rename) and reports what it wrote.
    ///
    /// Tensors go to one side file when `options.externalDataFile` names one (every
    /// tensor of at least `externalDataThreshold` bytes). Without that option, tensors
    /// that were external when read go to `<file name>.data` beside the output (the
    /// input's side file is never referenced), and a model that would pass protobuf's
    /// 2 GiB limit has every tensor of 1024 bytes or more moved to `<file name>.data`,
    /// which the report's `notes` say. The side file is written atomically too and
    /// renamed into place just before the model.
    @discardableResult
    public static func write(_ model: Model, to path: String, options: ModelWriteOptions = ModelWriteOptions()) throws
        -> ModelWriteReport
    {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let automaticFile = url.lastPathComponent + ".data"
        if let requested = options.externalDataFile {
            let location = try sideFileLocation(requested, modelPath: path)
            var report = try write(
                model, to: path, folder: folder, location: location,
                policy: .largeTensors(threshold: options.externalDataThreshold))
            if report.modelBytes > options.protobufSizeLimit {
                report.notes.append(
                    "the model file is \(report.modelBytes) bytes, over protobuf's 2 GiB limit, even with tensors of "
                        + "\(options.externalDataThreshold) bytes or more in '\(location)'; lower the threshold")
            }
            return report
        }
        let encoder = ProtoEncoder(
            errorPath: path,
            sink: ExternalDataSink(location: automaticFile, folder: folder, policy: .previouslyExternal))
        let proto: UnsafeMutablePointer<Onnx__ModelProto>
        do {
            proto = try encoder.modelProto(model)
        } catch {
            encoder.tensors.sink?.discard()
            throw error
        }
        if ProtoMessage.packedSize(proto) <= options.protobufSizeLimit {
            return try commit(encoder: encoder, proto: proto, to: path, location: automaticFile)
        }
        encoder.tensors.sink?.discard()
        var report = try write(
            model, to: path, folder: folder, location: automaticFile, policy: .largeTensors(threshold: 1024))
        report.notes.append(
            "the model is over protobuf's 2 GiB limit, so every tensor of 1024 bytes or more was written to "
                + "'\(automaticFile)' beside it")
        return report
    }

    private static func write(
        _ model: Model, to path: String, folder: String, location: String, policy: ExternalDataSink.Policy
    ) throws -> ModelWriteReport {
        let encoder = ProtoEncoder(
            errorPath: path, sink: ExternalDataSink(location: location, folder: folder, policy: policy))
        do {
            let proto = try encoder.modelProto(model)
            return try commit(encoder: encoder, proto: proto, to: path, location: location)
        } catch {
            encoder.tensors.sink?.discard()
            throw error
        }
    }

    /// Writes the model file and renames the side file and then the model into place.
    private static func commit(
        encoder: ProtoEncoder, proto: UnsafeMutablePointer<Onnx__ModelProto>, to path: String, location: String
    ) throws -> ModelWriteReport {
        let modelFile = TemporaryFile(destination: path)
        let sink = encoder.tensors.sink
        do {
            try sink?.finish()
            let file = try FileSink(path: modelFile.path)
            try withExtendedLifetime(encoder) {
                try file.pack(ProtoMessage.header(proto), consumed: encoder.tensors.inlinedExternal.consumed)
            }
            try file.finish()
            try sink?.commit()
            try modelFile.commit()
            let placed = sink?.tensorCount ?? 0
            return ModelWriteReport(
                modelBytes: file.position, externalDataFile: placed > 0 ? location : nil,
                externalTensorCount: placed, externalDataBytes: placed > 0 ? sink?.byteCount ?? 0 : 0, notes: [])
        } catch {
            modelFile.discard()
            sink?.discard()
            throw modelFile.relabeled(error)
        }
    }

    /// Checks a requested side-file name: relative, inside the output's folder, not the model itself.
    private static func sideFileLocation(_ requested: String, modelPath: String) throws -> String {
        guard let location = ExternalLocation.normalized(requested) else {
            throw OnnxIOError(
                path: modelPath,
                reason: .invalidOption(
                    "external data file '\(requested)' must be a relative path inside the output's folder"))
        }
        if location == URL(fileURLWithPath: modelPath).lastPathComponent {
            throw OnnxIOError(
                path: modelPath, reason: .invalidOption("external data file '\(requested)' is the model file itself"))
        }
        return location
    }
}
