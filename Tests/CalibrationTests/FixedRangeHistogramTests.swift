import Foundation
import SeededRandom
import TestSupport
import Testing

@testable import Calibration

/// The known-range histogram bins as numpy.histogram does for float32 data.
@Suite struct FixedRangeHistogramTests {
    @Test func countsMatchNumpyHistogram() throws {
        var generator = SplitMix64(seed: 21)
        let values = generator.normals(30000).map { $0 * 2.5 }
        let magnitude = values.map(abs).max() ?? 0
        var histogram = try FixedRangeHistogram(
            lower: -magnitude, upper: magnitude, bins: 2048, countsMagnitudes: false)
        values.withUnsafeBufferPointer { histogram.add($0) }
        let folder = try TemporaryDirectory(prefix: "calibration-tests")
        defer { folder.remove() }
        let path = folder.file("values.bin").path
        try values.withUnsafeBufferPointer { try Data(buffer: $0).write(to: URL(fileURLWithPath: path)) }
        let output = try Python.runCode(
            """
            import sys, json, numpy as np
            a = np.fromfile(sys.argv[1], dtype='<f4')
            t = np.array(np.abs(a).max(), dtype=np.float32)
            h, e = np.histogram(a, 2048, range=(-t, t))
            print(json.dumps({"counts": h.tolist(), "edges": [float(x) for x in e]}))
            """, [path]
        ).checkedOutput()
        let reference = try JSONDecoder().decode([String: [Double]].self, from: Data(output.utf8))
        let edges = try #require(reference["edges"])
        let counts = try #require(reference["counts"])
        let edgeMismatches = zip(histogram.edges, edges).enumerated().filter { Double($0.element.0) != $0.element.1 }
        let countMismatches = zip(histogram.counts, counts).enumerated().filter { Double($0.element.0) != $0.element.1 }
        #expect(edges.count == histogram.edges.count && edgeMismatches.isEmpty, "\(edgeMismatches.prefix(5))")
        #expect(counts.count == histogram.counts.count && countMismatches.isEmpty, "\(countMismatches.prefix(5))")
        #expect(histogram.outOfRange == 0)
    }

    @Test func valuesOutsideTheRangeGoToTheEndBinsAndAreCounted() throws {
        var histogram = try FixedRangeHistogram(lower: -1, upper: 1, bins: 16, countsMagnitudes: false)
        [-5, -1, 0, 1, 1e30, .nan].withUnsafeBufferPointer { histogram.add($0) }
        #expect(histogram.counts.first == 2)
        #expect(histogram.counts.last == 2)
        #expect(histogram.counts[8] == 1)
        #expect(histogram.outOfRange == 2)
    }

    @Test func anEmptyRangeWidensByHalfEachWayAsNumpyDoes() throws {
        let histogram = try FixedRangeHistogram(lower: 0, upper: 0, bins: 16, countsMagnitudes: true)
        #expect(histogram.edges.first == -0.5)
        #expect(histogram.edges.last == 0.5)
    }

    @Test func invalidRangesAreRejected() {
        #expect(throws: CalibrationError.self) {
            try FixedRangeHistogram(lower: 1, upper: -1, bins: 16, countsMagnitudes: false)
        }
        #expect(throws: CalibrationError.self) {
            try FixedRangeHistogram(lower: 0, upper: .infinity, bins: 16, countsMagnitudes: false)
        }
    }
}
