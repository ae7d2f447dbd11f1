import Foundation

/// Token-id files for the CLI tests, written without numpy.
public enum Int64Npy {
    /// A version 1.0 `.npy` file of little-endian int64 `values` of `shape`.
    public static func data(_ values: [Int64], shape: [Int]) -> Data {
        var header =
            "{'descr': '<i8', 'fortran_order': False, 'shape': (\(shape.map(String.init).joined(separator: ", "))), }"
        // The magic (6), version (2), length (2) and header end on a multiple of 64 bytes, with a newline.
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(Data(header.utf8))
        for value in values { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }
}
