import Foundation
import TestSupport
import Testing

/// Hostile and broken input from issue 16, through the binary: one `error:` line naming the file, node or
/// tensor, a non-zero exit, no output, never a crash, a hang or a blow-up.
@Suite struct HostileInputCLITests {
    private static func header(_ opset: Int = 17) -> String {
        "<\n ir_version: 8,\n opset_import: [\"\" : \(opset)]\n>\n"
    }

    /// Runs qdqc and checks the contract of a rejected input: status 1, one error line holding `fragments`.
    private func expectRejected(
        _ arguments: [String], _ fragments: [String], status: Int32 = 1,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let outcome = try Qdqc.run(arguments)
        #expect(outcome.exitedNormally, "crashed: \(outcome.standardError.prefix(400))", sourceLocation: sourceLocation)
        #expect(outcome.status == status, "\(outcome.standardError)", sourceLocation: sourceLocation)
        let errors = outcome.errorLines.filter { $0.hasPrefix("error: ") }
        #expect(errors.count == 1, "\(outcome.standardError)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(
                errors.first?.contains(fragment) == true, "no '\(fragment)' in \(errors)",
                sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: ["Reshape (x, s)", "Expand (x, s)", "ConstantOfShape (s)"])
    func aShapeInputDeclaredHugeIsOneErrorNamingTheInput(node: String) throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-hostile")
        defer { workspace.remove() }
        for length in ["4611686018427387904", "2147483648"] {
            let text = Self.header() + "g (float[4] x, int64[\(length)] s) => (y) {\n y = \(node)\n}"
            let model = try workspace.write(Data(text.utf8), to: "huge.onnxtxt")
            try expectRejected([model, "--passes", "infer-shapes"], ["huge.onnxtxt", "shape input 's'", length])
            try expectRejected(
                [model, "-o", workspace.path("out.onnx"), "--calib-random", "--quiet"], ["huge.onnxtxt", "shape input"])
            #expect(!workspace.exists("out.onnx"))
        }
    }

    @Test func splitSizesPastInt64AreOneError() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-hostile")
        defer { workspace.remove() }
        let text =
            Self.header()
            + "g (float[4] x) => (y, z)\n <int64[2] sp = {4611686018427387904, 4611686018427387904}>\n"
            + "{\n [split] y, z = Split (x, sp)\n}"
        let model = try workspace.write(Data(text.utf8), to: "split.onnxtxt")
        try expectRejected([model, "--passes", "infer-shapes"], ["split.onnxtxt", "'split'", "does not add up"])
    }

    @Test func anInitializerWhoseDataDoesNotFitItsDimsIsOneErrorNamingIt() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-hostile")
        defer { workspace.remove() }
        // dims [2^20, 2^20] with four bytes of raw_data.
        var tensor = ProtoEncoder()
        tensor.varint(1, 1 << 20)
        tensor.varint(1, 1 << 20)
        tensor.varint(2, 1)
        tensor.string(8, "w")
        tensor.bytes(9, [0, 0, 0, 0])
        let data = OnnxFixtures.model(
            nodes: [OnnxFixtures.NodeSpec(opType: "Add", inputs: ["x", "w"], outputs: ["y"], name: "add")],
            initializer: tensor)
        let model = try workspace.write(data, to: "short.onnx")
        try expectRejected([model, "--passes", ""], ["short.onnx", "tensor 'w'", "raw_data holds 4 bytes"])
        try expectRejected(["print", model], ["short.onnx", "tensor 'w'"])
    }

    @Test func namedPipesAreRefusedAtOnce() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-hostile")
        defer { workspace.remove() }
        let watchdog = PipeWatchdog()
        for name in ["model.onnx", "model.onnxtxt"] {
            let pipe = try watchdog.make(workspace.path(name))
            try expectRejected([pipe, "--passes", ""], [name, "named pipe"])
        }
        // External data that is a pipe.
        var tensor = ProtoEncoder()
        tensor.varint(1, 2)
        tensor.varint(2, 1)
        tensor.string(8, "w")
        var location = ProtoEncoder()
        location.string(1, "location")
        location.string(2, "w.bin")
        tensor.message(13, location)
        tensor.varint(14, 1)
        let data = OnnxFixtures.model(
            nodes: [OnnxFixtures.NodeSpec(opType: "Add", inputs: ["x", "w"], outputs: ["y"], name: "add")],
            initializer: tensor)
        let model = try workspace.write(data, to: "external.onnx")
        _ = try watchdog.make(workspace.path("w.bin"))
        try expectRejected([model, "--passes", ""], ["w.bin", "named pipe"])
        // A calibration sample that is a pipe.
        let text = Self.header() + "g (float[1,4] x) => (float[1,4] y) {\n y = Relu (x)\n}"
        let plain = try workspace.write(Data(text.utf8), to: "plain.onnxtxt")
        try FileManager.default.createDirectory(at: workspace.file("calib"), withIntermediateDirectories: true)
        _ = try watchdog.make(workspace.path("calib/s0.npz"))
        try expectRejected(
            [plain, "-o", workspace.path("out.onnx"), "--calib-data", workspace.path("calib"), "--quiet"],
            ["s0.npz", "named pipe"])
        #expect(!workspace.exists("out.onnx"))
        #expect(watchdog.releasedPipes.isEmpty, "qdqc blocked on \(watchdog.releasedPipes)")
    }

    @Test(arguments: ["minmax", "entropy"])
    func calibrationDataAtTheEndsOfFloat32DoesNotTrap(method: String) throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-hostile")
        defer { workspace.remove() }
        let text =
            Self.header() + "g (float[1,4] x) => (float[1,2] y)\n <float[4,2] w = {1, 1, 1, 1, 1, 1, 1, 1}>\n"
            + "{\n y = MatMul (x, w)\n}"
        let model = try workspace.write(Data(text.utf8), to: "mm.onnxtxt")
        let cases: [[Float]] = [[0, 0, 0, -1e-38], [3.4e38, -3.4e38, 0, 1], [1e-45, 0, 0, 0]]
        for (index, values) in cases.enumerated() {
            let folder = workspace.file("calib\(index)/s0")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try NpyBytes.float32(values, shape: [1, 4]).write(to: folder.appendingPathComponent("x.npy"))
            for variant in [[], ["--calib-option", "variant=tensorrt"]] where method == "entropy" || variant.isEmpty {
                let output = workspace.path("out\(index).onnx")
                let outcome = try Qdqc.run(
                    [
                        model, "-o", output, "--calib-data", workspace.path("calib\(index)"), "--calib-method", method,
                        "--target", "ort", "--quiet",
                    ] + variant)
                #expect(outcome.exitedNormally && outcome.status == 0, "\(values) \(variant): \(outcome.standardError)")
            }
        }
    }

    @Test func outputsThatAreNotRegularFilesAreRefusedBeforeAnyWork() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-hostile")
        defer { workspace.remove() }
        let model = try workspace.write(OnnxFixtures.smallModel(), to: "model.onnx")
        try expectRejected([model, "--passes", "", "-o", "/dev/null"], ["/dev/null", "a device"])
        try FileManager.default.createSymbolicLink(
            atPath: workspace.path("link.onnx"), withDestinationPath: "/dev/null")
        try expectRejected([model, "--passes", "", "-o", workspace.path("link.onnx")], ["link.onnx", "a device"])
        let kind = try FileManager.default.attributesOfItem(atPath: "/dev/null")[.type] as? FileAttributeType
        #expect(kind == .typeCharacterSpecial)
        try expectRejected([model, "--passes", "", "-o", ""], ["-o/--output"], status: 64)
    }

    @Test func aReportIntoAMissingFolderFailsBeforeTheModelIsWritten() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-hostile")
        defer { workspace.remove() }
        let model = try workspace.write(OnnxFixtures.smallModel(), to: "model.onnx")
        try expectRejected(
            [model, "--passes", "", "-o", workspace.path("out.onnx"), "--report", workspace.path("no/such/r.json")],
            ["r.json", "does not exist"])
        #expect(!workspace.exists("out.onnx"))
        try expectRejected(
            ["run", model, "--input", "x=\(workspace.path("x.npy"))", "-o", workspace.path("no/out.npz")],
            ["out.npz", "does not exist"])
    }

    @Test func aMetricThatNeverEndsIsStopped() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-hostile")
        defer { workspace.remove() }
        let text = Self.header() + "g (float[1,4] x) => (float[1,4] y) {\n y = Relu (x)\n}"
        let model = try workspace.write(Data(text.utf8), to: "relu.onnxtxt")
        let start = ContinuousClock.now
        // A negative bar is a number, not a flag.
        try expectRejected(
            [
                model, "-o", workspace.path("out.onnx"), "--calib-random", "--quiet", "--max-drop", "-1", "--metric",
                "sleep 60; echo 1 {model}", "--metric-timeout", "1",
            ],
            ["did not finish within 1 s"])
        #expect(ContinuousClock.now - start < .seconds(30))
        #expect(!workspace.exists("out.onnx"))
    }

    @Test func helpForAnUnknownCommandIsAUsageError() throws {
        try expectRejected(["help", "nosuch"], ["unknown command 'nosuch'"], status: 64)
        #expect(try Qdqc.run(["help", "print"]).status == 0)
    }

    @Test func anErrorQuotingAHugeNameStaysShort() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-hostile")
        defer { workspace.remove() }
        let name = String(repeating: "n", count: 100_000)
        let text = Self.header() + "g (float[2] x) => (float[2] y) {\n y = Add (x, \(name))\n}"
        let model = try workspace.write(Data(text.utf8), to: "long.onnxtxt")
        let outcome = try Qdqc.run([model, "--passes", ""])
        #expect(outcome.status == 1 && outcome.errorLines.count == 1, "\(outcome.standardError.prefix(300))")
        #expect(outcome.standardError.utf8.count < 2200)
        #expect(outcome.standardError.contains("more characters cut"))
    }
}

/// Named pipes for tests, each opened for writing (and so released) if qdqc still waits on it after a while.
///
/// Before the fix qdqc blocked for ever opening a pipe; the watchdog turns such a hang into a failure.
final class PipeWatchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var released: [String] = []

    /// Pipes the watchdog had to release because a reader was still waiting on them.
    var releasedPipes: [String] { lock.withLock { released } }

    /// Makes a named pipe at `path`, released after 20 seconds if something is reading it; returns `path`.
    func make(_ path: String) throws -> String {
        guard mkfifo(path, 0o600) == 0 else { throw CocoaError(.fileWriteUnknown) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 20) { [self] in
            // Succeeds only while a reader has the pipe open (it is blocked in qdqc); closing ends its read.
            let descriptor = open(path, O_WRONLY | O_NONBLOCK)
            if descriptor >= 0 {
                close(descriptor)
                lock.withLock { released.append(path) }
            }
        }
        return path
    }
}

/// `.npy` file bytes written by hand, independent of the code under test.
enum NpyBytes {
    /// A little-endian float32 array of `shape`.
    static func float32(_ values: [Float], shape: [Int]) -> Data {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        data.append(UInt8(header.utf8.count & 0xFF))
        data.append(UInt8(header.utf8.count >> 8))
        data.append(contentsOf: Array(header.utf8))
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        return data
    }
}
