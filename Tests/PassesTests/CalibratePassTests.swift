import Calibration
import Foundation
import OnnxIR
import OnnxText
import Passes
import Quantization
import TensorFiles
import TestSupport
import Testing

/// The calibrate pass on a tiny text model with hand-made samples: exact ranges, table reuse, bad input.
@Suite struct CalibratePassTests {
    /// x → Relu → r; r · 2 → y; a Constant node and an initializer that must not be watched; a constant-valued tensor.
    static let modelText = """
        <
           ir_version: 8,
           opset_import: ["" : 17]
        >
        g (float[1,4] x) => (float[1,4] y, float[1,4] flat)
           <float[1] two = {2}>
        {
           r = Relu (x)
           c = Constant <value = float[1] {3}> ()
           y = Mul (r, two)
           zero = Mul (x, c)
           z0 = Sub (zero, zero)
           flat = Add (z0, c)
        }
        """

    static let samples: [[Float]] = [[-1, 0.5, 2, -3], [4, -0.25, 1, 0], [0.75, 1.5, -2.5, 3]]

    private func model() throws -> Model { try TextParser.parseModel(Self.modelText) }

    /// Writes one `.npz` per sample (input `x`) into `folder`.
    private func writeSamples(_ rows: [[Float]], to folder: URL, name: String = "x") throws {
        for (index, row) in rows.enumerated() {
            try NpzWriter.write(
                [name: .floats(row, dims: [1, 4])],
                to: folder.appendingPathComponent(String(format: "%04d.npz", index)).path)
        }
    }

    private func run(
        _ pipelineText: String, data: CalibrationDataSource?, remarks: Remarks = Remarks(),
        progress: @escaping (ProgressUpdate) -> Void = { _ in }
    ) throws -> (CalibrationTable?, PipelineReport) {
        let session = PipelineSession()
        let context = PassContext(
            remark: { remarks.lines.append($0) }, progress: progress, calibrationData: data, session: session)
        let manager = try PassManager(
            pipeline: try Pipeline.parse(pipelineText), options: PassManagerOptions(diagnostics: .discard))
        let report = try manager.run(on: try model(), context: context)
        return (session.calibrationTable, report)
    }

    final class Remarks {
        var lines: [String] = []
    }

    @Test func minMaxRangesAreExactAndOnlyActivationsAreWatched() throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-passes")
        defer { folder.remove() }
        try writeSamples(Self.samples, to: folder.url)
        let (table, report) = try run("calibrate", data: CalibrationDataSource(origin: .files(path: folder.url.path)))
        let tensors = try #require(table).tensors
        #expect(tensors.keys.sorted() == ["flat", "r", "x", "y", "z0", "zero"])
        #expect(tensors["x"]?.range == CalibrationRange(min: -3, max: 4))
        #expect(tensors["r"]?.range == CalibrationRange(min: 0, max: 4))
        #expect(tensors["y"]?.range == CalibrationRange(min: 0, max: 8))
        #expect(tensors["zero"]?.range == CalibrationRange(min: -9, max: 12))
        #expect(tensors["x"]?.counts.batches == 3)
        #expect(table?.sampleCount == 3)
        #expect(table?.method == .minMax)
        #expect(report.records.first?.changed == false)
        #expect(report.records.first?.statistics["samples"] == 3)
    }

    @Test func zeroWidthRangeGivesAUsableScale() throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-passes")
        defer { folder.remove() }
        try writeSamples(Self.samples, to: folder.url)
        // Small histograms and searches: the default sizes take a minute in a debug build.
        for method in [
            "minmax", "percentile,histogram-bins=64", "entropy,bins=128,quantized-bins=16",
            "mse,candidates=16,histogram-bins=64",
        ] {
            let (table, _) = try run(
                "calibrate{method=\(method)}", data: CalibrationDataSource(origin: .files(path: folder.url.path)))
            for name in ["flat", "z0"] {
                let range = try #require(table?.tensors[name]?.range, "\(method) \(name)")
                #expect(range.min == range.max, "\(method) \(name)")
                let params = try QuantScheme(format: .int8, symmetric: true).params(
                    rmin: range.min, rmax: range.max, tensor: name)
                #expect(params.scale > 0 && params.scale.isFinite, "\(method) \(name): scale \(params.scale)")
            }
        }
    }

    @Test func noDataIsAnErrorNamingTheFlags() throws {
        #expect {
            _ = try run("calibrate", data: nil)
        } throws: { error in
            let text = "\(error)"
            return text.contains("--calib-data") && text.contains("--calib-random")
        }
    }

    @Test func randomInputsRefuseAShapeWhoseElementCountOverflows() throws {
        // 2^28 per dimension passes a per-dimension bound, and the product 2^84 wraps to 0 in 64 bits.
        let model = try TextParser.parseModel(
            """
            <ir_version: 8, opset_import: ["" : 17]>
            huge (float[268435456,268435456,268435456] x) => (float[268435456,268435456,268435456] y) {
               y = Relu (x)
            }
            """)
        let context = PassContext(calibrationData: CalibrationDataSource(origin: .random(seed: 1, sampleCount: 1)))
        #expect {
            _ = try CalibratePass(options: ["method": "minmax"]).run(on: model, context: context)
        } throws: { error in
            "\(error)".contains("'x'") && "\(error)".contains("too large for random inputs")
        }
    }

    @Test func anOptionTheMethodDoesNotTakeIsAnError() throws {
        #expect(throws: (any Error).self) { _ = try CalibratePass(options: ["method": "minmax", "bins": "64"]) }
        #expect(throws: (any Error).self) { _ = try CalibratePass(options: ["method": "kl"]) }
        let pass = try CalibratePass(options: ["method": "percentile", "percentile": "99.9"])
        #expect(pass.configuration.method == .percentile)
    }

    @Test func matchingTableIsReusedWithoutRunningTheModel() throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-passes")
        defer { folder.remove() }
        let data = folder.file("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try writeSamples(Self.samples, to: data)
        let tablePath = folder.file("table.json").path
        let source = CalibrationDataSource(origin: .files(path: data.path), tablePath: tablePath)
        let first = try run("calibrate{method=percentile}", data: source)
        let written = try Data(contentsOf: URL(fileURLWithPath: tablePath))

        // Same count of samples, but unreadable: running the model would fail.
        for index in 0..<Self.samples.count {
            try Data("not an npz".utf8).write(to: data.appendingPathComponent(String(format: "%04d.npz", index)))
        }
        let remarks = Remarks()
        let second = try run("calibrate{method=percentile}", data: source, remarks: remarks)
        #expect(second.0 == first.0)
        #expect(remarks.lines.contains { $0.contains("reusing calibration table") && $0.contains("not run") })
        #expect(second.1.records.first?.statistics["reused-table"] == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: tablePath)) == written)

        // Another method does not match: it calibrates (and so reads the broken samples).
        #expect(throws: (any Error).self) { _ = try run("calibrate{method=minmax}", data: source) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: tablePath)) == written, "a failed run keeps the old table")
    }

    @Test func mismatchingTableIsReplaced() throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-passes")
        defer { folder.remove() }
        try writeSamples(Self.samples, to: folder.url)
        let tablePath = folder.url.deletingLastPathComponent().appendingPathComponent("t-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: tablePath) }
        let source = CalibrationDataSource(origin: .files(path: folder.url.path), tablePath: tablePath)
        _ = try run("calibrate{method=minmax}", data: source)
        let remarks = Remarks()
        let (table, _) = try run("calibrate{method=mse}", data: source, remarks: remarks)
        #expect(remarks.lines.contains { $0.contains("calibrating again") })
        #expect(try CalibrationTable.read(path: tablePath) == table)
        #expect(table?.method == .mse)
    }

    @Test func knownRangeEntropyRunsTwoPassesAndReportsProgress() throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-passes")
        defer { folder.remove() }
        try writeSamples(Self.samples, to: folder.url)
        final class Updates { var all: [ProgressUpdate] = [] }
        let updates = Updates()
        let (table, _) = try run(
            "calibrate{method=entropy,bins=128}", data: CalibrationDataSource(origin: .files(path: folder.url.path)),
            progress: { updates.all.append($0) })
        #expect(updates.all.first == ProgressUpdate(task: "calibrate", completed: 0, total: 6))
        #expect(updates.all.last == ProgressUpdate(task: "calibrate", completed: 6, total: 6))
        #expect(table?.tensors["x"]?.counts.batches == 3, "the range pass must not count as batches")
        #expect(table?.tensors["x"]?.histogram?.lowerEdge == -4)
    }

    @Test func randomSamplesAreSeededAndWarned() throws {
        let remarks = Remarks()
        let source = CalibrationDataSource(origin: .random(seed: 7, sampleCount: 5))
        let (first, _) = try run("calibrate", data: source, remarks: remarks)
        let (again, _) = try run("calibrate", data: source)
        let (other, _) = try run("calibrate", data: CalibrationDataSource(origin: .random(seed: 8, sampleCount: 5)))
        #expect(first == again)
        #expect(first?.tensors["x"] != other?.tensors["x"])
        #expect(first?.sampleCount == 5)
        #expect(first?.options["random-seed"] == .string("7"))
        #expect(remarks.lines.contains { $0.contains("meaningless for accuracy") })
    }

    @Test func sampleLimitTakesTheFirstSamples() throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-passes")
        defer { folder.remove() }
        try writeSamples(Self.samples, to: folder.url)
        let (table, _) = try run(
            "calibrate", data: CalibrationDataSource(origin: .files(path: folder.url.path), sampleLimit: 2))
        #expect(table?.sampleCount == 2)
        #expect(table?.tensors["x"]?.range == CalibrationRange(min: -3, max: 4))
        #expect(table?.tensors["x"]?.counts.batches == 2)
    }

    @Test func badInputIsAClearError() throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-passes")
        defer { folder.remove() }
        let expectError = { (source: CalibrationDataSource, needles: [String]) in
            #expect {
                _ = try run("calibrate", data: source)
            } throws: { error in
                let text = "\(error)"
                let found = needles.allSatisfy { text.contains($0) }
                if !found { Issue.record("message lacks \(needles): \(text)") }
                return found
            }
        }
        // An empty folder.
        expectError(CalibrationDataSource(origin: .files(path: folder.url.path)), [folder.url.path, "no samples"])
        // An .npz missing the input.
        try writeSamples([[1, 2, 3, 4]], to: folder.url, name: "wrong")
        expectError(CalibrationDataSource(origin: .files(path: folder.url.path)), ["0000.npz", "'x' is missing"])
        // A .npy with a corrupt header, in a per-sample folder.
        let npyFolders = try TemporaryDirectory(prefix: "qdqc-passes")
        defer { npyFolders.remove() }
        let sample = npyFolders.file("s0")
        try FileManager.default.createDirectory(at: sample, withIntermediateDirectories: true)
        try Data("\u{93}NUMPY\u{01}\u{00}garbage".utf8).write(to: sample.appendingPathComponent("x.npy"))
        expectError(CalibrationDataSource(origin: .files(path: npyFolders.url.path)), ["x.npy"])
        // A sample of the wrong shape.
        let shapes = try TemporaryDirectory(prefix: "qdqc-passes")
        defer { shapes.remove() }
        try NpzWriter.write(["x": .floats([1, 2], dims: [1, 2])], to: shapes.file("0000.npz").path)
        expectError(CalibrationDataSource(origin: .files(path: shapes.url.path)), ["0000.npz", "input 'x'", "shape"])
    }

    @Test func nonFiniteSamplesAreCountedNotPropagated() throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-passes")
        defer { folder.remove() }
        try writeSamples([[.nan, .nan, .nan, .nan], [.infinity, -.infinity, .nan, .infinity]], to: folder.url)
        for method in ["minmax", "percentile", "entropy", "mse"] {
            let remarks = Remarks()
            let (table, _) = try run(
                "calibrate{method=\(method)}", data: CalibrationDataSource(origin: .files(path: folder.url.path)),
                remarks: remarks)
            let x = try #require(table?.tensors["x"])
            #expect(x.range == .zero, "\(method)")
            #expect(x.counts.nan == 5 && x.counts.positiveInfinity == 2 && x.counts.negativeInfinity == 1)
            #expect(remarks.lines.contains { $0.contains("no finite value") }, "\(method)")
            for (name, entry) in table?.tensors ?? [:] {
                #expect(entry.range.isFinite, "\(method) \(name)")
            }
        }
    }
}
