import Foundation
import TestSupport
import Testing

/// `qdqc calibrate` per shard + `qdqc calib-merge` on shared models: the merged table equals the table of one
/// process over all the samples, byte for byte, for every method, with 1, 2 and 7 shards merged in shuffled
/// orders; and the Ray recipe (`Tests/Python/ray_calibration.py`) gives the same table on a local cluster.
@Suite(.serialized) struct ShardedCalibrationTests {
    /// Two of the smaller shared models: a Conv + LSTM and a small CNN with 253 calibrated tensors.
    static let models = ["silero_vad_lstm", "ppocr_mobile_v2_cls"]
    /// Few samples keep the debug run short: enough for 7 shards.
    private static let sampleCount = 8

    /// Each method with small histograms (the searches dominate a debug run); what is compared is exactness.
    private static let methods: [(name: String, options: [String])] = [
        ("minmax", []), ("percentile", ["histogram-bins=512"]),
        ("entropy", ["bins=256", "quantized-bins=64"]), ("mse", ["histogram-bins=256", "candidates=64"]),
    ]

    private static func modelFolder(_ name: String) -> URL? {
        guard let folder = RepositoryPaths.sharedModels?.appendingPathComponent(name),
            FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.onnx").path)
        else { return nil }
        return folder
    }

    /// Folders of symbolic links to the first `sampleCount` samples, dealt into `count` contiguous shards.
    private static func shards(of folder: URL, count: Int, in scratch: TemporaryDirectory) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".npz") }
            .sorted().prefix(sampleCount)
        let (size, extra) = names.count.quotientAndRemainder(dividingBy: count)
        var start = names.startIndex
        return try (0..<count).map { index in
            let shard = scratch.file("shards-\(count)/\(index)")
            try FileManager.default.createDirectory(at: shard, withIntermediateDirectories: true)
            let end = start + size + (index < extra ? 1 : 0)
            for name in names[start..<end] {
                try FileManager.default.createSymbolicLink(
                    at: shard.appendingPathComponent(name), withDestinationURL: folder.appendingPathComponent(name))
            }
            start = end
            return shard.path
        }
    }

    private static func methodArguments(_ method: (name: String, options: [String])) -> [String] {
        ["--calib-method", method.name] + method.options.flatMap { ["--calib-option", $0] }
    }

    private static func run(_ arguments: [String]) throws {
        let result = try Qdqc.run(arguments + ["--quiet"])
        try #require(result.succeeded, "\(result.summary)")
    }

    @Test(
        "Merged shards equal one process for every method, with 1, 2 and 7 shards in shuffled orders",
        .enabled(if: modelFolder(models[0]) != nil && modelFolder(models[1]) != nil), arguments: models)
    func mergedShardsEqualOneProcess(_ name: String) throws {
        let folder = try #require(Self.modelFolder(name))
        let model = folder.appendingPathComponent("model.onnx").path
        let scratch = try TemporaryDirectory(prefix: "qdqc-sharded-\(name)")
        defer { scratch.remove() }
        let shardings = try [1, 2, 7].map {
            try Self.shards(of: folder.appendingPathComponent("calib"), count: $0, in: scratch)
        }
        let all = shardings[0][0]
        var generator = SeededMutator(seed: 23)
        // The minmax table merged over each sharding: the known range of the entropy parts of that sharding.
        var knownRanges: [Int: String] = [:]
        for method in Self.methods {
            let reference = scratch.path("\(method.name)-reference.json")
            try Self.run([model, "--calib-data", all, "--calib-table", reference] + Self.methodArguments(method))
            let expected = try Data(contentsOf: URL(fileURLWithPath: reference))
            for shards in shardings {
                var parts = try shards.enumerated().map { index, shard -> String in
                    let part = scratch.path("\(method.name)-\(shards.count)-\(index).part.json")
                    var arguments =
                        ["calibrate", model, "--calib-data", shard, "-o", part] + Self.methodArguments(method)
                    if method.name == "entropy" {
                        arguments += ["--calib-known-range", try #require(knownRanges[shards.count])]
                    }
                    try Self.run(arguments)
                    return part
                }
                for round in 0..<2 {
                    for index in stride(from: parts.count - 1, to: 0, by: -1) {
                        parts.swapAt(index, generator.below(index + 1))
                    }
                    let table = scratch.path("\(method.name)-\(shards.count)-\(round).json")
                    try Self.run(["calib-merge"] + parts + ["-o", table])
                    let merged = try Data(contentsOf: URL(fileURLWithPath: table))
                    #expect(merged == expected, "\(name) \(method.name): \(shards.count) shards merged as \(parts)")
                    if method.name == "minmax" { knownRanges[shards.count] = table }
                }
            }
        }
    }

    @Test(
        "A merged table is consumed without samples exactly like one process's",
        .enabled(if: modelFolder(models[0]) != nil))
    func mergedTableConvertsLikeOneProcess() throws {
        let folder = try #require(Self.modelFolder(Self.models[0]))
        let model = folder.appendingPathComponent("model.onnx").path
        let scratch = try TemporaryDirectory(prefix: "qdqc-sharded-convert")
        defer { scratch.remove() }
        let calib = folder.appendingPathComponent("calib")
        let all = try Self.shards(of: calib, count: 1, in: scratch)[0]
        let parts = try Self.shards(of: calib, count: 3, in: scratch).enumerated().map { index, shard in
            let part = scratch.path("part-\(index).json")
            try Self.run(["calibrate", model, "--calib-data", shard, "-o", part])
            return part
        }
        let table = scratch.path("merged.json")
        try Self.run(["calib-merge"] + parts.reversed() + ["-o", table])
        let direct = scratch.path("direct.onnx")
        let fromTable = scratch.path("from-table.onnx")
        try Self.run([model, "-o", direct, "--calib-data", all])
        let result = try Qdqc.run([model, "-o", fromTable, "--calib-table", table])
        try #require(result.succeeded, "\(result.summary)")
        #expect(result.standardError.contains("using calibration table"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: direct)) == Data(contentsOf: URL(fileURLWithPath: fromTable)))
    }

    @Test(
        "The Ray recipe runs shards as tasks of a local cluster and merges them into one process's table",
        .enabled(if: modelFolder(models[0]) != nil))
    func rayRecipeEqualsOneProcess() throws {
        let folder = try #require(Self.modelFolder(Self.models[0]))
        let model = folder.appendingPathComponent("model.onnx").path
        let scratch = try TemporaryDirectory(prefix: "qdqc-ray")
        defer { scratch.remove() }
        let all = try Self.shards(of: folder.appendingPathComponent("calib"), count: 1, in: scratch)[0]
        for method in [Self.methods[0], Self.methods[2]] {
            let reference = scratch.path("\(method.name)-reference.json")
            try Self.run([model, "--calib-data", all, "--calib-table", reference] + Self.methodArguments(method))
            let table = scratch.path("\(method.name)-ray.json")
            let outcome = try Python.runScript(
                "ray_calibration.py",
                [
                    "--qdqc", try Qdqc.executable().path, "--model", model, "--calib-data", all, "--shards", "4",
                    "--workers", "2", "--out", table, "--work-dir", scratch.path("\(method.name)-work"),
                    "--calib-method", method.name,
                ] + method.options.flatMap { ["--calib-option", $0] })
            try #require(outcome.status == 0, "\(outcome.standardOutput)\(outcome.standardError)")
            let report = try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any]
            #expect((report?["parts"] as? [String])?.count == 4)
            // The tasks ran in Ray's worker processes, not in the driver.
            let workers = try #require(report?["worker_pids"] as? [Int])
            let driver = try #require(report?["driver_pid"] as? Int)
            #expect(!workers.isEmpty && !workers.contains(driver), "workers \(workers), driver \(driver)")
            #expect(
                try Data(contentsOf: URL(fileURLWithPath: table)) == Data(contentsOf: URL(fileURLWithPath: reference)),
                "\(method.name)")
        }
    }
}
