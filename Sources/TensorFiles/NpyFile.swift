import Foundation
import OnnxIO
import OnnxIR

/// Reads and writes numpy `.npy` files as ONNX tensors.
///
/// Reading accepts format versions 1.0, 2.0 and 3.0, the numeric and boolean
/// dtypes (`<f2 <f4 <f8 <i1..<i8 <u1..<u8 |b1 <c8 <c16`, with `|`, `=` and `>`
/// spellings), and Fortran order. The result is always little-endian C order in
/// `.raw` storage; data that is already in that form is read straight into its
/// final buffer, never element by element.
public enum NpyFile {
    /// Longest header accepted; numpy itself refuses more than 10,000 bytes by default.
    static let maximumHeaderLength = 1 << 20

    /// Reads the tensor in the `.npy` file at `path`; the tensor has no name.
    public static func read(path: String) throws -> Tensor {
        let file = try FileReader(path: path)
        let header: NpyHeader
        let headerLength: Int
        do {
            headerLength = try NpyHeader.totalLength(prefix: file.bytes(count: NpyHeader.prefixLength, at: 0))
            guard headerLength <= maximumHeaderLength else { throw FormatProblem("header is too long") }
            let headerBytes = try file.bytes(count: headerLength, at: 0)
            guard headerBytes.count == headerLength else { throw FormatProblem("file ends inside the header") }
            header = try NpyHeader.parse(headerBytes)
        } catch let problem as FormatProblem {
            throw TensorFileError(path: path, reason: problem.reason)
        }
        let byteCount = try wrapping(path) { try header.payloadByteCount }
        let payload = try file.data(count: byteCount, at: headerLength, what: "data of shape \(header.shapeText)")
        return try wrapping(path) { try makeTensor(header: header, payload: payload) }
    }

    /// Decodes a whole `.npy` file held in memory; `path` is only for messages.
    public static func decode(_ data: Data, path: String) throws -> Tensor {
        var decoder = NpyStreamDecoder(path: path, fileSize: data.count)
        try decoder.consume(data)
        return try decoder.finish()
    }

    /// Writes `tensor` to `path` atomically (temporary file, then rename).
    public static func write(_ tensor: Tensor, to path: String) throws {
        let (header, payload) = try encodedParts(tensor, path: path)
        try TensorFileError.rethrowing(path: path) {
            try AtomicFile.write(to: path) { temporaryPath in
                guard FileManager.default.createFile(atPath: temporaryPath, contents: nil) else {
                    throw TensorFileError(path: path, reason: "cannot create the file")
                }
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporaryPath))
                defer { try? handle.close() }
                try handle.write(contentsOf: header)
                try handle.write(contentsOf: payload)
            }
        }
    }

    /// Whether numpy has a dtype for `type` (not int4, int2, the float8 and float4 families, bfloat16...).
    public static func canStore(_ type: DataType) -> Bool { NumpyDType.descr(for: type) != nil }

    /// The bytes of a `.npy` file holding `tensor`.
    public static func encode(_ tensor: Tensor) throws -> Data {
        var (data, payload) = try encodedParts(tensor, path: tensor.name ?? "<tensor>")
        data.append(payload)
        return data
    }

    /// Header and data for `tensor`; `path` names the destination in errors.
    static func encodedParts(_ tensor: Tensor, path: String) throws -> (header: Data, payload: Data) {
        guard let descr = NumpyDType.descr(for: tensor.dataType), let bits = tensor.dataType.bitWidth else {
            throw TensorFileError(
                path: path,
                reason: "tensor '\(tensor.name ?? "")' has type \(tensor.dataType), which numpy cannot store")
        }
        guard let expected = ElementCount.bytes(tensor.dims, bits: bits) else {
            throw TensorFileError(
                path: path, reason: "tensor '\(tensor.name ?? "")' has an invalid shape \(tensor.dims)")
        }
        let payload: Data
        do {
            payload = try tensor.rawBytes()
        } catch {
            throw TensorFileError(path: path, reason: "tensor '\(tensor.name ?? "")': \(error)")
        }
        guard payload.count == expected else {
            throw TensorFileError(
                path: path,
                reason: "tensor '\(tensor.name ?? "")' has \(payload.count) bytes, its shape needs \(expected)")
        }
        let dtype = NumpyDType(dataType: tensor.dataType, itemSize: bits / 8, isBigEndian: false)
        let header = NpyHeader(dtype: dtype, shape: tensor.dims).encoded(descr: descr)
        return (header, payload)
    }

    /// The tensor for a parsed header and exactly its payload, reordered to little-endian C order.
    static func makeTensor(header: NpyHeader, payload: Data) throws -> Tensor {
        var bytes = payload
        if header.dtype.isBigEndian {
            let isComplex = header.dtype.dataType == .complex64 || header.dtype.dataType == .complex128
            ElementReordering.swapBytes(&bytes, width: isComplex ? header.dtype.itemSize / 2 : header.dtype.itemSize)
        }
        if header.fortranOrder {
            bytes = ElementReordering.fortranToC(bytes, shape: header.shape, itemSize: header.dtype.itemSize)
        }
        return Tensor(dataType: header.dtype.dataType, dims: header.shape, storage: .raw(bytes))
    }

    /// Runs `body`, turning a `FormatProblem` into a `TensorFileError` for `path`.
    static func wrapping<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let problem as FormatProblem {
            throw TensorFileError(path: path, reason: problem.reason)
        }
    }
}
