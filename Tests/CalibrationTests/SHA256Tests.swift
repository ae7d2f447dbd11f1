import Calibration
import Foundation
import SeededRandom
import TestSupport
import Testing

/// `SHA256Digest` against the FIPS 180-4 test vectors and Python's hashlib (files hashed in pieces).
@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        ),
    ])
    func knownVectors(message: String, digest: String) {
        #expect(SHA256Digest.hex(of: Data(message.utf8)) == digest)
    }

    @Test func oneMillionAs() {
        #expect(
            SHA256Digest.hex(of: Data(repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func fileDigestMatchesHashlib() throws {
        let folder = try TemporaryDirectory(prefix: "calibration-tests")
        defer { folder.remove() }
        let path = folder.file("model.bin").path
        var generator = SplitMix64(seed: 11)
        // Longer than one 4 MiB read, so the file is hashed in several pieces.
        let bytes = Data((0..<(5 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try bytes.write(to: URL(fileURLWithPath: path))
        let expected = try Python.runCode(
            "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())", [path]
        ).checkedOutput()
        #expect(try SHA256Digest.hex(ofFileAt: path) == expected.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func missingFileIsAnErrorNamingIt() {
        #expect(
            throws: CalibrationError.unreadableFile(
                path: "/nonexistent/model.onnx", reason: "cannot open the file to hash it")
        ) {
            try SHA256Digest.hex(ofFileAt: "/nonexistent/model.onnx")
        }
    }
}
