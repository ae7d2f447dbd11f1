import Foundation

/// The header of a `.npy` file (format versions 1.0, 2.0 and 3.0): element type, order and shape.
///
/// Layout: the magic `\x93NUMPY`, a major and minor version byte, the header length
/// (2 bytes little-endian in 1.0, 4 bytes in 2.0 and 3.0), then a Python dict
/// literal padded with spaces and ended by a newline so the data starts aligned.
struct NpyHeader {
    /// Element type and byte order.
    var dtype: NumpyDType
    /// Whether the data is in column-major (Fortran) order.
    var fortranOrder: Bool
    /// The shape; empty for a scalar.
    var shape: [Int64]

    /// `\x93NUMPY`.
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
    /// Bytes that always suffice to learn the header's total length.
    static let prefixLength = 12
    /// numpy aligns the data to this many bytes.
    static let alignment = 64

    /// Number of elements.
    var elementCount: Int {
        get throws {
            var count = 1
            for size in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: Int(size))
                guard !overflow else { throw FormatProblem("shape \(shapeText) has too many elements") }
                count = product
            }
            return count
        }
    }

    /// Bytes the data takes.
    var payloadByteCount: Int {
        get throws {
            let (bytes, overflow) = try elementCount.multipliedReportingOverflow(by: dtype.itemSize)
            guard !overflow else { throw FormatProblem("shape \(shapeText) is too large") }
            return bytes
        }
    }

    /// The shape as numpy prints it: `()`, `(5,)`, `(2, 3)`.
    var shapeText: String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    /// Total header bytes (magic to newline) given at least the first bytes of the file.
    ///
    /// `prefix` may be shorter than `prefixLength` only when the file itself is.
    static func totalLength(prefix: [UInt8]) throws -> Int {
        guard prefix.count >= 10, Array(prefix[0..<6]) == magic else {
            throw FormatProblem("not a .npy file (bad magic; expected \\x93NUMPY)")
        }
        let major = prefix[6]
        let minor = prefix[7]
        switch (major, minor) {
        case (1, 0):
            return 10 + (Int(prefix[8]) | Int(prefix[9]) << 8)
        case (2, 0), (3, 0):
            guard prefix.count >= 12 else { throw FormatProblem("file ends inside the header") }
            let length = (8..<12).reduce(0) { $0 | Int(prefix[$1]) << (8 * ($1 - 8)) }
            return 12 + length
        default:
            throw FormatProblem("unsupported .npy format version \(major).\(minor) (supported: 1.0, 2.0, 3.0)")
        }
    }

    /// Parses the whole header (`totalLength(prefix:)` bytes from the start of the file).
    static func parse(_ header: [UInt8]) throws -> NpyHeader {
        let dictStart = header.count > 6 && header[6] == 1 ? 10 : 12
        guard header.count > dictStart else { throw FormatProblem("header is empty") }
        let literal: PythonLiteral
        do {
            literal = try PythonLiteralParser.parse(Array(header[dictStart...]))
        } catch let problem as FormatProblem {
            throw FormatProblem("unparsable header dict: \(problem.reason)")
        }
        return try NpyHeader(literal: literal)
    }

    /// Reads the three keys numpy writes from the parsed dict.
    private init(literal: PythonLiteral) throws {
        guard case .dict = literal else { throw FormatProblem("header is not a dict") }
        switch literal["descr"] {
        case .string(let descr)?: dtype = try NumpyDType.parse(descr)
        case .list?: throw FormatProblem("structured dtypes are not supported")
        default: throw FormatProblem("header has no string 'descr'")
        }
        guard case .bool(let fortran)? = literal["fortran_order"] else {
            throw FormatProblem("header has no boolean 'fortran_order'")
        }
        fortranOrder = fortran
        guard case .tuple(let sizes)? = literal["shape"] else { throw FormatProblem("header has no tuple 'shape'") }
        shape = try sizes.map { size in
            guard case .integer(let value) = size, value >= 0 else {
                throw FormatProblem("shape has an entry that is not a non-negative integer")
            }
            return value
        }
        _ = try payloadByteCount
    }

    /// Creates a header for little-endian C-order data.
    init(dtype: NumpyDType, fortranOrder: Bool = false, shape: [Int64]) {
        self.dtype = dtype
        self.fortranOrder = fortranOrder
        self.shape = shape
    }

    /// The header bytes numpy would write: version 1.0, or 2.0 when the dict is too long for 1.0.
    func encoded(descr: String) -> Data {
        let dict = "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shapeText), }"
        let fitsVersion1 = Self.paddedLength(dictLength: dict.utf8.count, prefix: 10) <= Int(UInt16.max)
        let prefix = fitsVersion1 ? 10 : 12
        let padded = Self.paddedLength(dictLength: dict.utf8.count, prefix: prefix)
        var bytes = Data(Self.magic)
        bytes.append(contentsOf: fitsVersion1 ? [1, 0] : [2, 0])
        let lengthBytes = fitsVersion1 ? 2 : 4
        for index in 0..<lengthBytes { bytes.append(UInt8(truncatingIfNeeded: padded >> (8 * index))) }
        bytes.append(contentsOf: Array(dict.utf8))
        bytes.append(contentsOf: [UInt8](repeating: 0x20, count: padded - dict.utf8.count - 1))
        bytes.append(0x0A)
        return bytes
    }

    /// Dict plus spaces plus newline, so that prefix and header end on the alignment.
    private static func paddedLength(dictLength: Int, prefix: Int) -> Int {
        let unpadded = prefix + dictLength + 1
        let total = (unpadded + alignment - 1) / alignment * alignment
        return total - prefix
    }
}
