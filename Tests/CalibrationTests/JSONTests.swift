import Calibration
import Foundation
import SeededRandom
import Testing

/// Calibration tables through JSONEncoder/JSONDecoder: exact numbers, sorted keys, errors that
/// name the field's path, and tables written by the earlier hand-written writer still read.
@Suite struct JSONTests {
    private static let hash = String(repeating: "0f", count: 32)

    /// A one-tensor table as compact JSON, independent of how the writer lays text out.
    private static func text(tensor: String = "", options: String = "\"bins\": 128") -> String {
        let entry =
            tensor.isEmpty
            ? """
            "min": -1.5, "max": 2, "observed": {"min": -1.5, "max": 2},
            "counts": {"batches": 1, "finite": 4, "nan": 0, "positiveInfinity": 0, "negativeInfinity": 0},
            "histogram": {"grid": "streaming", "binWidth": 0.25, "binCount": 16, "lowerEdge": -2, "upperEdge": 2,
              "outOfRange": 0},
            "channelAbsMax": {"axis": 1, "values": [1.5, 2]}
            """ : tensor
        return """
            {"format": "qdqc-calibration-table", "formatVersion": 1, "model": {"sha256": "\(hash)"},
             "method": "entropy", "options": {\(options)}, "sampleCount": 1, "qdqcVersion": "0.1.0",
             "tensors": {"t": {\(entry)}}}
            """
    }

    private func parse(_ text: String) throws -> CalibrationTable {
        try CalibrationTable(jsonData: Data(text.utf8), path: "t.json")
    }

    private func tensor(range: CalibrationRange, channels: [Float] = []) -> TensorCalibration {
        TensorCalibration(
            range: range, observed: range, counts: ValueCounts(batches: 1, finite: 1),
            channelAbsMax: channels.isEmpty ? nil : ChannelAbsMax(axis: 0, values: channels))
    }

    @Test func floatsAndDoublesReadBackBitForBit() throws {
        var generator = SplitMix64(seed: 7)
        let edges: [Float] = [
            0.1, .leastNonzeroMagnitude, -0.0, .greatestFiniteMagnitude, .leastNormalMagnitude, 123456.79, 2.5e-8, 1,
            Float(1).nextUp, -3.4028235e38,
        ]
        var random: [Float] = []
        while random.count < 20_000 {
            let value = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator))
            if value.isFinite { random.append(value) }
        }
        var calibration = tensor(
            range: CalibrationRange(min: -0.0, max: .leastNonzeroMagnitude), channels: edges + random)
        calibration.klDivergence = Double.leastNonzeroMagnitude
        calibration.meanSquaredError = 0.1 + 0.2
        calibration.histogram = HistogramSummary(
            grid: .knownRange, binWidth: .ulpOfOne, binCount: 3, lowerEdge: -.greatestFiniteMagnitude, upperEdge: 1e300,
            outOfRange: 0)
        let table = CalibrationTable(
            modelSHA256: Self.hash, method: .mse, options: ["min-real-range": .double(1e-7)], sampleCount: 1,
            qdqcVersion: "0.1.0", tensors: ["t": calibration])
        let read = try #require(try parse(String(decoding: table.jsonData(), as: UTF8.self)).tensors["t"])
        let written = try #require(read.channelAbsMax?.values)
        #expect(written.map(\.bitPattern) == (edges + random).map(\.bitPattern))
        #expect(read.range.min.bitPattern == (-0.0 as Float).bitPattern)
        #expect(read.range.max == .leastNonzeroMagnitude)
        #expect(read.klDivergence?.bitPattern == (Double.leastNonzeroMagnitude as Double).bitPattern)
        #expect(read.meanSquaredError == 0.1 + 0.2)
        #expect(read.histogram == calibration.histogram)
    }

    @Test func keysAreSortedByCodePointAndTheTextEndsWithANewline() throws {
        let range = CalibrationRange(min: 0, max: 1)
        let table = CalibrationTable(
            modelSHA256: Self.hash, method: .minMax, options: [:], sampleCount: 1, qdqcVersion: "0.1.0",
            tensors: [
                "b": tensor(range: range), "B": tensor(range: range), "a": tensor(range: range),
                "é/x": tensor(range: range),
            ])
        let text = String(decoding: try table.jsonData(), as: UTF8.self)
        let order = ["\"B\"", "\"a\"", "\"b\"", "\"é/x\""].compactMap { text.range(of: $0)?.lowerBound }
        #expect(order.count == 4)
        #expect(order == order.sorted())
        #expect(text.hasSuffix("}\n"))
    }

    /// The hand-written writer's layout: `": "`, arrays on one line, integral floats as `-8.0`.
    @Test func tablesInTheEarlierLayoutStillRead() throws {
        let old = """
            {
              "format": "qdqc-calibration-table",
              "formatVersion": 1,
              "method": "percentile",
              "model": {
                "sha256": "\(Self.hash)"
              },
              "options": {
                "histogram-bins": 4096,
                "percentile": 99.0,
                "symmetric": true
              },
              "qdqcVersion": "0.1.0",
              "sampleCount": 64,
              "tensors": {
                "conv1_out": {
                  "channelAbsMax": {
                    "axis": 1,
                    "values": [0.0, 6.8065133, 1e-45]
                  },
                  "counts": {
                    "batches": 64,
                    "finite": 4194304,
                    "nan": 0,
                    "negativeInfinity": 0,
                    "positiveInfinity": 0
                  },
                  "histogram": {
                    "binCount": 8192,
                    "binWidth": 0.001953125,
                    "grid": "streaming",
                    "lowerEdge": -8.0,
                    "outOfRange": 0,
                    "upperEdge": 8.0
                  },
                  "max": 5.8512864,
                  "min": 0.0,
                  "observed": {
                    "max": 6.8065133,
                    "min": 0.0
                  }
                }
              }
            }

            """
        let key = CalibrationRunKey(
            modelSHA256: Self.hash,
            configuration: .percentile(PercentileOptions(percentile: 99, symmetric: true, histogramBins: 4096)),
            sampleCount: 64)
        let table = try parse(old)
        #expect(table.matches(key), "an integral double option, written as 99.0 or 99, is the same setting")
        let tensor = try #require(table.tensors["conv1_out"])
        #expect(tensor.range == CalibrationRange(min: 0, max: 5.8512864))
        #expect(tensor.observed == CalibrationRange(min: 0, max: 6.8065133))
        #expect(tensor.channelAbsMax == ChannelAbsMax(axis: 1, values: [0, 6.8065133, .leastNonzeroMagnitude]))
        #expect(tensor.histogram?.lowerEdge == -8)
        #expect(tensor.counts.finite == 4_194_304)
    }

    @Test func anIntegralDoubleOptionStillMatchesAfterARoundTrip() throws {
        let key = CalibrationRunKey(
            modelSHA256: Self.hash, configuration: .percentile(PercentileOptions(percentile: 99)), sampleCount: 2)
        let table = CalibrationTable(key: key, qdqcVersion: "0.1.0", tensors: [:])
        let read = try parse(String(decoding: try table.jsonData(), as: UTF8.self))
        #expect(read.matches(key))
        #expect(read == table)
        #expect(
            OptionValue.int(2) == .double(2) && OptionValue.double(2.5) != .int(2) && OptionValue.int(1) != .bool(true))
    }

    /// JSONDecoder checks the structure up front and each value when it is read, so a bad value
    /// inside a member is a field error (below) and these are what remain; it gives no location.
    @Test(arguments: [
        "", "{", "{\"format\": 1", "{}\n x", "nul", "{\"a\" 1}", "[1 2]", "{\"a\": \"unterminated}",
        String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000),
    ])
    func syntaxErrorsAreRefusedNamingTheFile(text: String) {
        #expect(throws: CalibrationError.table(path: "t.json", reason: "not valid JSON")) {
            try CalibrationTable(jsonData: Data(text.utf8), path: "t.json")
        }
    }

    @Test(arguments: [
        ("\"min\": -1.5", "\"min\": \"low\"", "tensors.t.min: expected a finite float32 number"),
        ("\"min\": -1.5", "\"min\": -1e39", "tensors.t.min: expected a finite float32 number"),
        ("\"min\": -1.5", "\"min\": null", "tensors.t.min: expected a finite float32 number"),
        ("\"min\": -1.5", "\"min\": -01.5", "tensors.t.min: expected a finite float32 number"),
        ("\"qdqcVersion\": \"0.1.0\"", "\"qdqcVersion\": \"0.1\\u12G4\"", "qdqcVersion: expected a string"),
        ("\"min\": -1.5,", "", "tensors.t.min: missing"),
        (
            "\"observed\": {\"min\": -1.5, \"max\": 2}", "\"observed\": [-1.5, 2]",
            "tensors.t.observed: expected an object"
        ),
        (
            "\"observed\": {\"min\": -1.5,", "\"observed\": {\"min\": 3,",
            "tensors.t.observed.min: expected a value <= max (2.0), got 3.0"
        ),
        ("\"nan\": 0", "\"nan\": -1", "tensors.t.counts.nan: expected an integer >= 0"),
        ("\"nan\": 0", "\"nan\": 0.5", "tensors.t.counts.nan: expected an integer"),
        ("\"nan\": 0", "\"nan\": 0, \"zero\": 0", "tensors.t.counts.zero: unknown field"),
        (
            "\"values\": [1.5, 2]", "\"values\": [1.5, \"2\"]",
            "tensors.t.channelAbsMax.values[1]: expected a finite float32 number"
        ),
        ("\"values\": [1.5, 2]", "\"values\": 2", "tensors.t.channelAbsMax.values: expected an array of numbers"),
        ("\"grid\": \"streaming\"", "\"grid\": \"fixed\"", "tensors.t.histogram.grid: unknown grid \"fixed\""),
        ("\"binWidth\": 0.25", "\"binWidth\": 1e400", "tensors.t.histogram.binWidth: expected a finite number"),
        ("\"bins\": 128", "\"bins\": [128]", "options.bins: expected a boolean, finite number or string"),
        ("\"sha256\": \"0f0f", "\"sha256\": \"0F0F", "model.sha256: expected 64 lowercase hex digits"),
        ("\"method\": \"entropy\"", "\"method\": \"magic\"", "method: unknown calibration method \"magic\""),
        ("\"sampleCount\": 1", "\"sampleCount\": true", "sampleCount: expected an integer"),
    ])
    func fieldErrorsNameTheFileAndThePath(original: String, replacement: String, message: String) throws {
        let good = Self.text()
        #expect(try parse(good).tensors["t"]?.channelAbsMax?.values == [1.5, 2])
        let broken = good.replacingOccurrences(of: original, with: replacement)
        #expect(broken != good)
        #expect(throws: CalibrationError.table(path: "t.json", reason: message)) { try parse(broken) }
    }

    @Test func aDocumentThatIsNotAnObjectIsRefused() {
        #expect(throws: CalibrationError.table(path: "t.json", reason: "document: expected an object")) {
            try parse("[1, 2]")
        }
    }

    @Test func nonFiniteNumbersAreRefusedOnWriteNamingThePath() throws {
        var calibration = tensor(range: CalibrationRange(min: 0, max: 1), channels: [1, .nan])
        var table = CalibrationTable(
            modelSHA256: Self.hash, method: .minMax, options: [:], sampleCount: 1, qdqcVersion: "0.1.0",
            tensors: ["t": calibration])
        #expect(
            throws: CalibrationError.table(
                path: "out.json", reason: "tensors.t.channelAbsMax.values[1]: is not finite, and JSON cannot hold it")
        ) { try table.jsonData(path: "out.json") }
        calibration.channelAbsMax = nil
        calibration.klDivergence = -.infinity
        table.tensors["t"] = calibration
        #expect(
            throws: CalibrationError.table(
                path: "out.json", reason: "tensors.t.klDivergence: is not finite, and JSON cannot hold it")
        ) { try table.jsonData(path: "out.json") }
        table.tensors = [:]
        table.options["alpha"] = .double(.nan)
        #expect(
            throws: CalibrationError.table(
                path: "out.json", reason: "options.alpha: is not finite, and JSON cannot hold it")
        ) { try table.jsonData(path: "out.json") }
    }
}
