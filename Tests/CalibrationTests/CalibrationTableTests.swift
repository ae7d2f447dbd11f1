import Calibration
import Foundation
import Quantization
import SeededRandom
import TestSupport
import Testing

/// Calibration tables: exact and deterministic JSON, atomic writes, matching, schema conformance.
@Suite struct CalibrationTableTests {
    private let hash = String(repeating: "ab", count: 32)

    private func sampleTable() throws -> CalibrationTable {
        let set = try ObserverSet(configuration: .entropy(EntropyOptions(grid: .streaming)))
        try set.watch("conv/out:0")
        try set.watch("relu \"quoted\" é")
        set.watchChannels("relu \"quoted\" é", axis: 1)
        try set.watch("all-nan")
        var generator = SplitMix64(seed: 71)
        for _ in 0..<3 {
            let values = generator.normals(4096)
            try values.withUnsafeBufferPointer {
                try set.observe("conv/out:0", values: $0, shape: [1, 4, 32, 32])
                try set.observe("relu \"quoted\" é", values: $0, shape: [1, 4, 32, 32])
            }
            try [Float.nan, .infinity].withUnsafeBufferPointer { try set.observe("all-nan", values: $0, shape: [2]) }
        }
        let key = CalibrationRunKey(modelSHA256: hash, configuration: set.configuration, sampleCount: 3)
        return CalibrationTable(key: key, qdqcVersion: "0.1.0", tensors: try set.results())
    }

    @Test func jsonRoundTripIsExact() throws {
        let table = try sampleTable()
        let data = try table.jsonData()
        let read = try CalibrationTable(jsonData: data, path: "table.json")
        #expect(read == table)
        #expect(try read.jsonData() == data)
    }

    @Test func outputIsDeterministic() throws {
        let first = try sampleTable().jsonData()
        let second = try sampleTable().jsonData()
        #expect(first == second)
        let text = String(decoding: first, as: UTF8.self)
        #expect(text.hasPrefix("{\n  \"format\" : \"qdqc-calibration-table\",\n  \"formatVersion\" : 1,\n"))
    }

    @Test func writeIsAtomicAndLeavesNoTemporaryFiles() throws {
        let folder = try TemporaryDirectory(prefix: "calibration-tests")
        defer { folder.remove() }
        let path = folder.file("calibration.json").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        let table = try sampleTable()
        try table.write(to: path)
        #expect(try CalibrationTable.read(path: path) == table)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["calibration.json"])
        #expect(throws: CalibrationError.self) { try table.write(to: folder.file("missing-folder/table.json").path) }
    }

    @Test func matchingNeedsTheSameModelMethodOptionsAndSampleCount() throws {
        let table = try sampleTable()
        let key = table.runKey
        #expect(table.matches(key))
        var other = key
        other.sampleCount = 4
        #expect(!table.matches(other))
        other = key
        other.modelSHA256 = String(repeating: "cd", count: 32)
        #expect(!table.matches(other))
        #expect(
            !table.matches(
                CalibrationRunKey(modelSHA256: hash, configuration: .entropy(EntropyOptions()), sampleCount: 3)))
        #expect(
            !table.matches(
                CalibrationRunKey(modelSHA256: hash, configuration: .minMax(MinMaxOptions()), sampleCount: 3)))
        #expect(table.missingTensors(["conv/out:0", "absent", "b"]) == ["absent", "b"])
    }

    @Test func readIfMatchingReusesOnlyTheSameRun() throws {
        let folder = try TemporaryDirectory(prefix: "calibration-tests")
        defer { folder.remove() }
        let path = folder.file("table.json").path
        let table = try sampleTable()
        #expect(try CalibrationTable.readIfMatching(path: path, key: table.runKey) == nil)
        try table.write(to: path)
        #expect(try CalibrationTable.readIfMatching(path: path, key: table.runKey) == table)
        var other = table.runKey
        other.sampleCount = 1
        #expect(try CalibrationTable.readIfMatching(path: path, key: other) == nil)
        try Data("{".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: CalibrationError.self) { try CalibrationTable.readIfMatching(path: path, key: table.runKey) }
    }

    @Test func writtenFileValidatesAgainstTheSchema() throws {
        let folder = try TemporaryDirectory(prefix: "calibration-tests")
        defer { folder.remove() }
        let path = folder.file("table.json").path
        try sampleTable().write(to: path)
        let outcome = try Python.runScript(
            "validate_json_schema.py",
            [RepositoryPaths.root.appendingPathComponent("schemas/calibration-table.schema.json").path, path])
        #expect(outcome.status == 0, "\(outcome.standardOutput)\(outcome.standardError)")
        for configuration: ObserverConfiguration in [
            .minMax(MinMaxOptions(averaging: .exponential(constant: 0.25))), .percentile(PercentileOptions()),
            .mse(MSEOptions(scheme: QuantScheme(format: .float8e4m3fn, symmetric: true))),
        ] {
            let set = try ObserverSet(configuration: configuration)
            try set.watch("t")
            try [1, -2, 3].withUnsafeBufferPointer { try set.observe("t", values: $0, shape: [3]) }
            let key = CalibrationRunKey(modelSHA256: hash, configuration: configuration, sampleCount: 1)
            try CalibrationTable(key: key, qdqcVersion: "0.1.0", tensors: try set.results()).write(to: path)
            let result = try Python.runScript(
                "validate_json_schema.py",
                [RepositoryPaths.root.appendingPathComponent("schemas/calibration-table.schema.json").path, path])
            #expect(result.status == 0, "\(configuration): \(result.standardOutput)\(result.standardError)")
        }
    }

    @Test func schemaRejectsBrokenTables() throws {
        let folder = try TemporaryDirectory(prefix: "calibration-tests")
        defer { folder.remove() }
        let path = folder.file("table.json").path
        let good = String(decoding: try sampleTable().jsonData(), as: UTF8.self)
        for (broken, expected) in [
            (good.replacingOccurrences(of: "\"sampleCount\" : 3", with: "\"sampleCount\" : -3"), "sampleCount"),
            (good.replacingOccurrences(of: "\"method\" : \"entropy\"", with: "\"method\" : \"magic\""), "method"),
            (
                good.replacingOccurrences(of: "\"formatVersion\" : 1", with: "\"formatVersion\" : 1, \"extra\" : 0"),
                "extra"
            ),
            (good.replacingOccurrences(of: "\"sha256\" : \"abab", with: "\"sha256\" : \"ABAB"), "sha256"),
        ] {
            #expect(broken != good)
            try Data(broken.utf8).write(to: URL(fileURLWithPath: path))
            let outcome = try Python.runScript(
                "validate_json_schema.py",
                [RepositoryPaths.root.appendingPathComponent("schemas/calibration-table.schema.json").path, path])
            #expect(
                outcome.status == 1 && outcome.standardOutput.contains(expected),
                "\(expected): \(outcome.standardOutput)")
            #expect(throws: CalibrationError.self) { try CalibrationTable.read(path: path) }
        }
    }

    @Test(arguments: [
        ("\"formatVersion\" : 1", "\"formatVersion\" : 2", "t.json: formatVersion: this qdqc reads version 1, not 2"),
        ("\"sampleCount\" : 3", "\"sampleCount\" : 3.5", "t.json: sampleCount: expected an integer"),
        ("\"qdqcVersion\" : \"0.1.0\"", "\"qdqcVersion\" : 1", "t.json: qdqcVersion: expected a string"),
        (
            "\"format\" : \"qdqc-calibration-table\"", "\"format\" : \"other\"",
            "t.json: format: expected \"qdqc-calibration-table\""
        ),
    ])
    func readErrorsNameTheFileAndField(original: String, replacement: String, message: String) throws {
        let good = String(decoding: try sampleTable().jsonData(), as: UTF8.self)
        let broken = good.replacingOccurrences(of: original, with: replacement)
        #expect(broken != good)
        #expect(throws: CalibrationError.table(path: "t.json", reason: String(message.dropFirst("t.json: ".count)))) {
            try CalibrationTable(jsonData: Data(broken.utf8), path: "t.json")
        }
    }

    @Test func rangesWithMinAboveMaxAreRejected() throws {
        var table = try sampleTable()
        table.tensors["bad"] = TensorCalibration(
            range: CalibrationRange(min: 2, max: 1), observed: .zero, counts: ValueCounts())
        do {
            _ = try CalibrationTable(jsonData: try table.jsonData(), path: "t.json")
            Issue.record("min > max was accepted")
        } catch let error as CalibrationError {
            #expect(error.description.hasPrefix("t.json: tensors.bad.min: expected a value <= max"))
        }
    }

    @Test func nonFiniteNumbersCannotBeWritten() throws {
        var table = try sampleTable()
        table.tensors["inf"] = TensorCalibration(
            range: CalibrationRange(min: 0, max: .infinity), observed: .zero, counts: ValueCounts())
        #expect(
            throws: CalibrationError.table(
                path: "/tmp/never-written.json", reason: "tensors.inf.max: is not finite, and JSON cannot hold it")
        ) {
            try table.write(to: "/tmp/never-written.json")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never-written.json"))
    }
}
