import Foundation
import OnnxIR

/// Decodes a `.npy` file that arrives in chunks (an `.npz` member being inflated).
///
/// The payload is copied into one buffer sized from the header, so a member is
/// copied once from the archive reader's chunks and never again.
struct NpyStreamDecoder {
    private let path: String
    private let fileSize: Int?
    private var headerBytes: [UInt8] = []
    private var header: NpyHeader?
    private var payload: PayloadBuffer?

    /// Starts decoding a file of `fileSize` bytes; nil means the size is unknown and only the header is wanted.
    init(path: String, fileSize: Int?) {
        self.path = path
        self.fileSize = fileSize
    }

    /// The header, once enough bytes arrived to parse it.
    var parsedHeader: NpyHeader? { header }

    /// Takes the next chunk of the file.
    mutating func consume(_ chunk: Data) throws {
        if let payload {
            payload.append(chunk)
            return
        }
        guard header == nil else { return }
        headerBytes.append(contentsOf: chunk)
        try NpyFile.wrapping(path) { try parseHeaderIfComplete() }
    }

    /// The tensor, once every chunk was consumed.
    func finish() throws -> Tensor {
        guard let header else {
            try NpyFile.wrapping(path) {
                _ = try NpyHeader.totalLength(prefix: headerBytes)
                throw FormatProblem("file ends inside the header")
            }
            throw TensorFileError(path: path, reason: "file ends inside the header")
        }
        let needed = try NpyFile.wrapping(path) { try header.payloadByteCount }
        let received = payload?.count ?? 0
        guard let payload, received == needed else {
            throw truncated(header, needed: needed, available: received)
        }
        return try NpyFile.wrapping(path) { try NpyFile.makeTensor(header: header, payload: payload.takeData()) }
    }

    private mutating func parseHeaderIfComplete() throws {
        guard headerBytes.count >= NpyHeader.prefixLength else { return }
        let length = try NpyHeader.totalLength(prefix: Array(headerBytes[0..<NpyHeader.prefixLength]))
        guard length <= NpyFile.maximumHeaderLength else { throw FormatProblem("header is too long") }
        guard headerBytes.count >= length else { return }
        let parsed = try NpyHeader.parse(Array(headerBytes[0..<length]))
        header = parsed
        guard let fileSize else { return }
        let needed = try parsed.payloadByteCount
        // Refuse before allocating when the file cannot hold what the header promises.
        guard needed <= fileSize - length else { throw truncated(parsed, needed: needed, available: fileSize - length) }
        guard let buffer = PayloadBuffer(capacity: needed) else {
            throw FormatProblem("cannot allocate \(needed) bytes for shape \(parsed.shapeText)")
        }
        buffer.append(Data(headerBytes[length...]))
        payload = buffer
        headerBytes = []
    }

    private func truncated(_ header: NpyHeader, needed: Int, available: Int) -> TensorFileError {
        TensorFileError(
            path: path,
            reason: "data is truncated: shape \(header.shapeText) of \(header.dtype.dataType) needs "
                + "\(needed) bytes, the file has \(max(0, available))")
    }
}
