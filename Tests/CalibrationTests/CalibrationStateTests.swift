import Calibration
import Foundation
import SeededRandom
import TestSupport
import Testing

/// Mergeable calibration state: merging parts in any order and grouping equals one run over all batches, bit for bit.
@Suite struct CalibrationStateTests {
    private let hash = String(repeating: "cd", count: 32)

    /// Batches of three tensors: a heavy-tailed one with outliers that arrive late, a ReLU-like one, and one with NaN.
    private static func batches(count: Int, seed: UInt64) -> [[String: [Float]]] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { index in
            var wide = generator.normals(512).map { $0 * Float(1 + index) }
            wide[index] = Float(index * index) * 3.5
            let relu = generator.normals(256).map { max($0 * 0.7, 0) }
            var mixed = generator.normals(64)
            mixed[3] = .nan
            return ["wide": wide, "relu": relu, "mixed": mixed]
        }
    }

    private static let configurations: [ObserverConfiguration] = [
        .minMax(MinMaxOptions()), .minMax(MinMaxOptions(symmetric: true)),
        .percentile(PercentileOptions(percentile: 99.9, histogramBins: 64)),
        .percentile(PercentileOptions(percentile: 99.0, symmetric: false)),
        .entropy(EntropyOptions(bins: 256, quantizedBins: 32, grid: .streaming, histogramBins: 128)),
        .entropy(EntropyOptions(bins: 256, quantizedBins: 32)),
        .entropy(EntropyOptions(variant: .tensorRT, bins: 256, quantizedBins: 32)),
        .mse(MSEOptions(candidates: 64, histogramBins: 256)),
    ]

    /// The observers of `configuration` fed with `batches`; known-range grids get the magnitudes of `allBatches`.
    private func observe(
        _ configuration: ObserverConfiguration, _ batches: [[String: [Float]]], allBatches: [[String: [Float]]]
    ) throws -> ObserverSet {
        let set = try ObserverSet(configuration: configuration)
        for tensor in ["wide", "relu", "mixed", "never"] {
            let magnitude = allBatches.flatMap { $0[tensor] ?? [] }.filter(\.isFinite).map(abs).max() ?? 0
            try set.watch(tensor, knownAbsMax: configuration.needsKnownRange ? magnitude : nil)
        }
        for batch in batches {
            for (tensor, values) in batch {
                try values.withUnsafeBufferPointer { try set.observe(tensor, values: $0, shape: [values.count]) }
            }
        }
        return set
    }

    private func part(_ configuration: ObserverConfiguration, _ batches: [[String: [Float]]], all: [[String: [Float]]])
        throws -> CalibrationState
    {
        let set = try observe(configuration, batches, allBatches: all)
        let key = CalibrationRunKey(modelSHA256: hash, configuration: configuration, sampleCount: batches.count)
        return try CalibrationState(key: key, qdqcVersion: "0.1.0", tensors: try set.states())
    }

    @Test(arguments: configurations)
    func mergedPartsEqualOneRunInAnyOrderAndGrouping(_ configuration: ObserverConfiguration) throws {
        let all = Self.batches(count: 7, seed: 5)
        let single = try observe(configuration, all, allBatches: all)
        let key = CalibrationRunKey(modelSHA256: hash, configuration: configuration, sampleCount: all.count)
        let expected = CalibrationTable(
            key: key, qdqcVersion: "0.1.0", tensors: try single.results().filter { $0.value.counts.batches > 0 })
        var generator = SplitMix64(seed: 9)
        for shardCount in [1, 2, 3, 7] {
            let parts = try (0..<shardCount).map { shard in
                try part(
                    configuration, all.enumerated().filter { $0.offset % shardCount == shard }.map(\.element), all: all)
            }
            for _ in 0..<3 {
                let order = generator.permutation(parts.count)
                let merged = try CalibrationState.merged(order.map { ("part-\($0).json", parts[$0]) })
                #expect(merged.key.sampleCount == all.count)
                let table = try merged.table(qdqcVersion: "0.1.0")
                #expect(table == expected, "\(configuration), \(shardCount) shards, order \(order)")
                #expect(try table.jsonData() == expected.jsonData())
            }
            // Associativity: (a + b) + rest equals a + (b + rest), as states, not only as results.
            if parts.count >= 3 {
                var left = parts[0]
                try left.merge(parts[1])
                for other in parts[2...] { try left.merge(other) }
                var right = parts[1]
                for other in parts[2...] { try right.merge(other) }
                var grouped = parts[0]
                try grouped.merge(right)
                #expect(left == grouped)
            }
        }
    }

    @Test func jsonRoundTripIsExactAndDeterministic() throws {
        for configuration in Self.configurations {
            let all = Self.batches(count: 3, seed: 11)
            let state = try part(configuration, all, all: all)
            let data = try state.jsonData(path: "p.json")
            let folder = try TemporaryDirectory(prefix: "calibration-state")
            defer { folder.remove() }
            let path = try folder.write(data, to: "p.json")
            let read = try CalibrationState.read(path: path)
            #expect(read == state, "\(configuration)")
            #expect(try read.jsonData(path: path) == data)
        }
    }

    @Test func averagedMinMaxCannotBeSaved() throws {
        for averaging in [MinMaxAveraging.mean, .exponential(constant: 0.1)] {
            let set = try ObserverSet(configuration: .minMax(MinMaxOptions(averaging: averaging)))
            try set.watch("t")
            #expect(throws: CalibrationError.self) { try set.states() }
        }
    }

    @Test func partsOfAnotherModelMethodOrOptionsAreRefused() throws {
        let all = Self.batches(count: 2, seed: 3)
        let base = try part(.percentile(PercentileOptions()), all, all: all)
        var otherModel = base
        otherModel.key.modelSHA256 = String(repeating: "ef", count: 32)
        let otherMethod = try part(.mse(MSEOptions()), all, all: all)
        let otherOptions = try part(.percentile(PercentileOptions(percentile: 99)), all, all: all)
        for (other, needle) in [
            (otherModel, "another model"), (otherMethod, "method mse"), (otherOptions, "percentile=99"),
        ] {
            var merged = base
            #expect {
                try merged.merge(other)
            } throws: {
                "\($0)".contains(needle)
            }
            #expect {
                try CalibrationState.merged([("a.json", base), ("b.json", other)])
            } throws: {
                "\($0)".hasPrefix("b.json: ") && "\($0)".contains(needle)
            }
        }
        // Known-range parts made from different magnitudes do not fit together.
        let entropy = ObserverConfiguration.entropy(EntropyOptions(bins: 256, quantizedBins: 32))
        let first = try part(entropy, all, all: all)
        let second = try part(entropy, all, all: Self.batches(count: 2, seed: 4))
        var merged = first
        #expect(throws: CalibrationError.self) { try merged.merge(second) }
    }

    @Test func damagedPartsAreRefusedNamingTheFile() throws {
        let folder = try TemporaryDirectory(prefix: "calibration-state")
        defer { folder.remove() }
        let all = Self.batches(count: 2, seed: 8)
        let good = String(
            decoding: try part(.percentile(PercentileOptions()), all, all: all).jsonData(path: "p"), as: UTF8.self)
        let tampered = good.replacingOccurrences(of: "\"batches\" : 2", with: "\"batches\" : 3")
        #expect(tampered != good)
        let cases: [(String, String)] = [
            (String(good.prefix(good.count / 2)), "not valid JSON"),
            (tampered, "checksum mismatch"),
            (good.replacingOccurrences(of: "\"formatVersion\" : 1", with: "\"formatVersion\" : 2"), "version 1, not 2"),
            (good.replacingOccurrences(of: "qdqc-calibration-state", with: "qdqc-calibration-table"), "format"),
            (
                good.replacingOccurrences(of: "\"sampleCount\"", with: "\"extra\" : 1,\n    \"sampleCount\""),
                "unknown field"
            ),
        ]
        for (text, needle) in cases {
            let path = try folder.write(Data(text.utf8), to: "bad.json")
            #expect {
                try CalibrationState.read(path: path)
            } throws: {
                let message = "\($0)"
                return message.hasPrefix(path + ": ") && message.contains(needle) && !message.contains("\n")
            }
        }
    }

    @Test func partsConformToTheSchema() throws {
        let folder = try TemporaryDirectory(prefix: "calibration-state")
        defer { folder.remove() }
        let schema = RepositoryPaths.root.appendingPathComponent("schemas/calibration-state.schema.json").path
        for configuration in Self.configurations {
            let all = Self.batches(count: 2, seed: 12)
            let path = folder.path("part.json")
            try part(configuration, all, all: all).write(to: path)
            let outcome = try Python.runScript("validate_json_schema.py", [schema, path])
            #expect(outcome.status == 0, "\(configuration): \(outcome.standardOutput)\(outcome.standardError)")
        }
    }
}

extension SplitMix64 {
    /// A random permutation of `0..<count` (Fisher-Yates).
    fileprivate mutating func permutation(_ count: Int) -> [Int] {
        var order = Array(0..<count)
        for index in stride(from: count - 1, to: 0, by: -1) {
            order.swapAt(index, Int(next() % UInt64(index + 1)))
        }
        return order
    }
}
