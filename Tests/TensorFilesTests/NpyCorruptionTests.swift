import Foundation
import OnnxIR
import Testing

@testable import TensorFiles

/// Broken `.npy` files give one-line `TensorFileError`s that name the file and the problem.
@Suite struct NpyCorruptionTests {
    /// A valid file for a [2, 3] float tensor, to break in different ways.
    static func validFile() throws -> Data {
        try NpyFile.encode(try Tensor(floats: [1, 2, 3, 4, 5, 6], dims: [2, 3]))
    }

    /// `data` with the header dict replaced by `dict` (padded so the length stays valid).
    static func withHeader(_ dict: String, payload: Data = Data(count: 24)) -> Data {
        var header = Array(dict.utf8)
        while (10 + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0A)
        var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        data.append(contentsOf: [UInt8(header.count & 0xFF), UInt8(header.count >> 8)])
        data.append(contentsOf: header)
        data.append(payload)
        return data
    }

    static let cases: [(name: String, bytes: @Sendable () throws -> Data, message: String)] = [
        (
            "bad magic",
            {
                var data = try validFile(); data[1] = 0x41; return data
            }, "bad magic"
        ),
        (
            "bad version",
            {
                var data = try validFile(); data[6] = 9; return data
            }, "version 9.0"
        ),
        ("empty file", { Data() }, "bad magic"),
        ("cut in header", { try validFile().prefix(30) }, "ends inside the header"),
        ("truncated data", { try validFile().dropLast(5) }, "truncated"),
        (
            "unparsable dict", { withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, }") },
            "unparsable header dict"
        ),
        ("not a dict", { withHeader("[1, 2]") }, "not a dict"),
        ("missing shape", { withHeader("{'descr': '<f4', 'fortran_order': False}") }, "'shape'"),
        ("negative dim", { withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3)}") }, "non-negative"),
        ("object dtype", { withHeader("{'descr': '|O', 'fortran_order': False, 'shape': (3,)}") }, "Python objects"),
        ("unicode dtype", { withHeader("{'descr': '<U5', 'fortran_order': False, 'shape': (3,)}") }, "unicode"),
        (
            "structured dtype", { withHeader("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,)}") },
            "structured"
        ),
        (
            "huge shape",
            { withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296)}") },
            "too"
        ),
    ]

    @Test func brokenFilesThrowNamingFileAndProblem() throws {
        let scratch = try ScratchFolder()
        for (name, makeBytes, message) in Self.cases {
            let path = scratch.file(name.replacingOccurrences(of: " ", with: "_") + ".npy")
            try makeBytes().write(to: URL(fileURLWithPath: path))
            for attempt in ["file", "memory"] {
                do {
                    _ =
                        attempt == "file"
                        ? try NpyFile.read(path: path) : try NpyFile.decode(try makeBytes(), path: path)
                    Issue.record("\(name) (\(attempt)): no error")
                } catch let error as TensorFileError {
                    #expect(error.description.hasPrefix(path + ": "), "\(name): \(error)")
                    #expect(error.description.contains(message), "\(name) (\(attempt)): \(error)")
                    #expect(!error.description.contains("\n"), "\(name)")
                }
            }
        }
    }

    @Test func missingFileIsAnError() throws {
        #expect(throws: TensorFileError.self) { try NpyFile.read(path: "/nonexistent/x.npy") }
    }
}
