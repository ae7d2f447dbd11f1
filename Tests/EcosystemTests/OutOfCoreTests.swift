import Foundation
import TestSupport
import Testing

/// Converting a model whose weights are in a side file holds a working set, not the model (issue 19).
///
/// Each conversion runs twice: on a decoder of about 96 MiB of float32 weights and on one of the same
/// shapes with a single layer (the same largest tensor). The difference of their peak resident memory
/// (VmHWM, read from /proc while qdqc runs; mapped side-file pages count) must stay a small fraction of the
/// difference of their weights: a reader, pass, interpreter or writer that keeps a copy of every weight, or
/// every weight's mapped pages, adds at least the whole difference, and a pass whose new tensors stay in
/// memory (no spill) adds their share (2/15 for int4, 1/4 for int8).
@Suite(.serialized) struct OutOfCoreTests {
    /// One generated model: its folder and float32 weight bytes.
    private struct Decoder {
        let folder: URL
        let weightBytes: Int
        var model: String { folder.appendingPathComponent("model.onnx").path }
        var calibration: String { folder.appendingPathComponent("calib").path }
    }

    private static func makeDecoder(in scratch: TemporaryDirectory, name: String, megabytes: Int) throws -> Decoder {
        let folder = scratch.file(name)
        let made = try Python.runScript(
            "make_external_decoder.py",
            [folder.path, "--weights-mb", String(megabytes), "--hidden", "256", "--ffn", "1024", "--vocab", "4000"])
        try #require(made.succeeded, "could not make the decoder:\n\(made.summary)")
        let fields = made.standardOutput.split(whereSeparator: \.isWhitespace).map(String.init)
        let bytes = try #require(fields.firstIndex(of: "weight_bytes").flatMap { Int(fields[$0 + 1]) })
        return Decoder(folder: folder, weightBytes: bytes)
    }

    /// Runs qdqc with `arguments` under Python/peak_memory.py; returns its peak resident bytes.
    private static func peakResident(_ arguments: [String]) throws -> Int {
        let run = try Python.runScript("peak_memory.py", ["--", try Qdqc.executable().path] + arguments)
        try #require(run.succeeded, "qdqc failed:\n\(run.summary)")
        let line = try #require(run.standardOutput.split(separator: "\n").last { $0.hasPrefix("exit ") })
        let fields = line.split(separator: " ").map(String.init)
        return try #require(fields.firstIndex(of: "peak_rss").flatMap { Int(fields[$0 + 1]) })
    }

    /// Peak memory of `arguments(decoder)` on both decoders; expects the growth under `fraction` of the weights'.
    private func expectBoundedGrowth(
        _ label: String, fraction: Double, _ arguments: (Decoder, URL) -> [String]
    ) throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-out-of-core")
        defer { scratch.remove() }
        let small = try Self.makeDecoder(in: scratch, name: "small", megabytes: 1)
        let large = try Self.makeDecoder(in: scratch, name: "large", megabytes: 96)
        #expect(large.weightBytes > 4 * small.weightBytes)
        let smallPeak = try Self.peakResident(arguments(small, scratch.file("small-out")))
        let largePeak = try Self.peakResident(arguments(large, scratch.file("large-out")))
        let growth = Double(largePeak - smallPeak) / Double(large.weightBytes - small.weightBytes)
        let message =
            "\(label): peak RSS \(smallPeak >> 20) MiB for \(small.weightBytes >> 20) MiB of weights but "
            + "\(largePeak >> 20) MiB for \(large.weightBytes >> 20) MiB: it grows by \(growth) of the weights"
        #expect(growth < fraction, Comment(rawValue: message))
    }

    /// qdqc's arguments for int4 RTN of `model` into `output`/model.onnx (the folder is created).
    private static func roundToNearest(_ model: String, into output: URL) -> [String] {
        try? FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        return [
            model, "-o", output.appendingPathComponent("model.onnx").path, "--activations", "none", "--weights",
            "int4", "--block-size", "128", "--weight-method", "rtn", "--target", "ort",
        ]
    }

    /// qdqc's arguments for the default W8A8 conversion of `decoder` into `output`/model.onnx.
    private static func w8a8(_ decoder: Decoder, into output: URL) -> [String] {
        try? FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        return [
            decoder.model, "-o", output.appendingPathComponent("model.onnx").path, "--calib-data",
            decoder.calibration, "--target", "ort",
        ]
    }

    @Test func int4RoundToNearestStreamsTheWeights() throws {
        // Measured (release build): 0.03 with the spill (the graph and tensors under 4096 bytes); 0.16 with
        // --no-spill, where the int4 codes and scales (2/15 of the float weights) are held until written.
        try expectBoundedGrowth("int4 RTN", fraction: 0.07) { decoder, output in
            Self.roundToNearest(decoder.model, into: output)
        }
    }

    @Test func w8a8ConversionStreamsTheWeights() throws {
        // Measured (release build): 0.055 with the spill (the graph, its Q/DQ pairs and tensors under 4096 bytes:
        // these layers are small); 0.31 with --no-spill, where the int8 weights (1/4 of the floats) are held.
        try expectBoundedGrowth("W8A8", fraction: 0.12) { decoder, output in Self.w8a8(decoder, into: output) }
    }

    @Test func theSpillChangesNoByteOfTheOutputAndLeavesNothingBehind() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-out-of-core")
        defer { scratch.remove() }
        let decoder = try Self.makeDecoder(in: scratch, name: "model", megabytes: 4)
        for (label, arguments) in [
            ("rtn", { Self.roundToNearest(decoder.model, into: $0) }),
            ("w8a8", { Self.w8a8(decoder, into: $0) }),
        ] as [(String, (URL) -> [String])] {
            let spilled = scratch.file("\(label)-spilled")
            let kept = scratch.file("\(label)-kept")
            for (folder, extra) in [(spilled, [String]()), (kept, ["--no-spill"])] {
                let run = try Qdqc.run(arguments(folder) + extra)
                #expect(run.succeeded, "\(label): \(run.summary)")
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: spilled.path).sorted()
            #expect(names == ["model.onnx", "model.onnx.data"], "\(label): \(names)")
            for name in names {
                let bytes = FileManager.default.contents(atPath: spilled.appendingPathComponent(name).path)
                let expected = FileManager.default.contents(atPath: kept.appendingPathComponent(name).path)
                #expect(bytes != nil && bytes == expected, "\(label): \(name) differs with the spill")
            }
        }
    }

    @Test func aKilledConversionLeavesNoSpillBehind() throws {
        // The spill file is unlinked as soon as it is made: even SIGKILL, which no clean-up survives, leaves nothing.
        let scratch = try TemporaryDirectory(prefix: "qdqc-out-of-core")
        defer { scratch.remove() }
        let decoder = try Self.makeDecoder(in: scratch, name: "model", megabytes: 24)
        let output = scratch.file("out")
        let arguments = Self.roundToNearest(decoder.model, into: output)
        let run = try Python.runCode(Self.killAtFirstSpill, [try Qdqc.executable().path, output.path] + arguments)
        #expect(run.succeeded, "\(run.summary)")
        #expect(run.standardOutput.contains("spill seen; left: []"), "\(run.summary)")
    }

    /// Runs qdqc (argv[1], with argv[3:]), kills it with SIGKILL once it holds a deleted file in the output folder (argv[2]) open,
    /// and prints whether it saw one and what the folder holds afterwards.
    private static let killAtFirstSpill = """
        import os, subprocess, sys, time
        folder = os.path.realpath(sys.argv[2])
        child = subprocess.Popen(sys.argv[1:2] + sys.argv[3:], stderr=subprocess.DEVNULL)
        seen = None
        deadline = time.monotonic() + 300
        while seen is None and child.poll() is None and time.monotonic() < deadline:
            try:
                descriptors = os.listdir(f"/proc/{child.pid}/fd")
            except OSError:
                descriptors = []
            for descriptor in descriptors:
                try:
                    target = os.readlink(f"/proc/{child.pid}/fd/{descriptor}")
                except OSError:
                    continue
                if target.startswith(folder + "/") and target.endswith(" (deleted)"):
                    seen = target
            time.sleep(0.002)
        if seen is not None:
            child.kill()
        child.wait()
        print(f"spill {'seen' if seen else 'not seen'}; left: {sorted(os.listdir(folder))}")
        """

    @Test func calibrationReadsTheWeightsInPlace() throws {
        try expectBoundedGrowth("calibrate", fraction: 0.3) { decoder, output in
            [
                "calibrate", decoder.model, "--calib-data", decoder.calibration, "-o",
                output.appendingPathExtension("json").path,
            ]
        }
    }

    @Test func aTruncatedSideFileIsOneErrorLineAndNoOutput() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-out-of-core")
        defer { scratch.remove() }
        let decoder = try Self.makeDecoder(in: scratch, name: "model", megabytes: 1)
        let sideFile = decoder.folder.appendingPathComponent("model.onnx.data")
        let handle = try FileHandle(forWritingTo: sideFile)
        try handle.truncate(atOffset: UInt64(decoder.weightBytes / 2))
        try handle.close()
        for arguments in [
            [decoder.model, "-o", scratch.path("out.onnx"), "--activations", "none", "--weights", "int4"],
            ["calibrate", decoder.model, "--calib-data", decoder.calibration, "-o", scratch.path("out.json")],
        ] {
            let run = try Qdqc.run(arguments)
            #expect(run.exitedNormally && run.status == 1, "\(run.summary)")
            #expect(run.errorLines.count == 1, "\(run.summary)")
            #expect(run.errorLines.first?.contains("model.onnx.data") == true, "\(run.summary)")
            #expect(run.errorLines.first?.contains("beyond the end of the file") == true, "\(run.summary)")
        }
        #expect(!scratch.exists("out.onnx") && !scratch.exists("out.onnx.data") && !scratch.exists("out.json"))
    }
}
