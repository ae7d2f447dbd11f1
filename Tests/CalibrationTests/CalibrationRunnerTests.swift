import Calibration
import Foundation
import OnnxIR
import OnnxInterpreter
import OnnxText
import TensorFiles
import TestSupport
import Testing

/// The one sample loop: sample order and ranges, progress, which tensors reach a visitor, and failures naming the sample.
@Suite struct CalibrationRunnerTests {
    final class Updates {
        var all: [ProgressUpdate] = []
    }

    private func randomSamples(_ count: Int) throws -> CalibrationSamples {
        try CalibrationSamples(
            model: try TextParser.parseModel(TinyModels.reluTimesTwo),
            source: CalibrationDataSource(origin: .random(seed: 3, sampleCount: count)))
    }

    @Test func forEachSampleVisitsTheRangeInOrderAndReportsProgressFromZero() throws {
        let updates = Updates()
        let runner = CalibrationRunner(samples: try randomSamples(6), task: "evaluate") { updates.all.append($0) }
        var names: [String] = []
        try runner.forEachSample(in: 2..<5) { names.append($0.name) }
        #expect(names == ["random-2", "random-3", "random-4"])
        #expect(updates.all.map(\.completed) == [0, 1, 2, 3])
        #expect(updates.all.allSatisfy { $0.task == "evaluate" && $0.total == 3 })
    }

    @Test func aSampleIsTheSameWhicheverLoopReadsIt() throws {
        let samples = try randomSamples(4)
        var seen: [[Float]] = []
        try CalibrationRunner(samples: samples, task: "t").forEachSample {
            seen.append(try $0.arrays["x"]?.floatValues() ?? [])
        }
        #expect(seen.count == 4)
        #expect(seen[3] == (try samples.inputs(at: 3).arrays["x"]?.floatValues()))
        #expect(seen[0] != seen[1], "samples are distinct draws")
    }

    @Test func runHandsOnlyWatchedTensorsToTheVisitor() throws {
        let model = try TextParser.parseModel(TinyModels.reluTimesTwo)
        let samples = try randomSamples(3)
        var visited: [String] = []
        var largest: Float = 0
        try CalibrationRunner(samples: samples, task: "t").run(model: model, watching: { $0 == "r" }) { observed in
            visited.append(observed.name)
            largest = max(largest, try observed.array.floatValues().max() ?? 0)
        }
        #expect(visited == ["r", "r", "r"])
        var expected: Float = 0
        for index in 0..<3 {
            expected = max(expected, try samples.inputs(at: index).arrays["x"]?.floatValues().max() ?? 0)
        }
        #expect(largest == max(expected, 0), "Relu's largest output is the largest positive input")
    }

    @Test func observeFeedsTheObserverSetLikeCalibrate() throws {
        let model = try TextParser.parseModel(TinyModels.reluTimesTwo)
        let samples = try randomSamples(5)
        let observers = try ObserverSet(configuration: .minMax(MinMaxOptions()))
        try observers.watch("y")
        let updates = Updates()
        try CalibrationRunner(samples: samples, task: "calibrate") { updates.all.append($0) }
            .observe(model: model, observers: observers)
        let result = try #require(try observers.results()["y"])
        #expect(result.counts.batches == 5)
        #expect(updates.all.last == ProgressUpdate(task: "calibrate", completed: 5, total: 5))
    }

    @Test func anObserverErrorBecomesASampleFailureNamingTheFile() throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-runner")
        defer { folder.remove() }
        try NpzWriter.write(
            ["x": .floats([1, 2, 3, 4], dims: [1, 4])], to: folder.url.appendingPathComponent("0000.npz").path)
        let model = try TextParser.parseModel(TinyModels.reluTimesTwo)
        let samples = try CalibrationSamples(
            model: model, source: CalibrationDataSource(origin: .files(path: folder.url.path)))
        let observers = try ObserverSet(configuration: .minMax(MinMaxOptions()))
        // y has rank 2, so a channel axis of 2 fails inside the run, where the runner names the sample.
        observers.watchChannels("y", axis: 2)
        let error = #expect(throws: CalibrationRunError.self) {
            try CalibrationRunner(samples: samples, task: "calibrate").observe(model: model, observers: observers)
        }
        #expect(error?.description.contains("0000.npz") == true, "\(String(describing: error))")
        #expect(error?.description.contains("channel axis 2") == true, "\(String(describing: error))")
    }
}
