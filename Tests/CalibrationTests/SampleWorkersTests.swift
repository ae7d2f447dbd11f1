import Calibration
import Foundation
import OnnxText
import TestSupport
import Testing

/// Several samples at once: fixed contiguous shares, every sample once, the first failure of a one-by-one loop,
/// and calibration results equal to one worker's.
@Suite struct SampleWorkersTests {
    struct Failure: Error, Equatable {
        let index: Int
    }

    /// Which worker ran which index, filled from several threads.
    final class Visits: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var pairs: [(worker: Int, index: Int)] = []

        func add(_ worker: Int, _ index: Int) { lock.withLock { pairs.append((worker, index)) } }
    }

    @Test func sharesAreContiguousNearlyEqualAndCoverEverySample() {
        #expect(SampleWorkers(count: 3).shares(of: 10) == [0..<3, 3..<6, 6..<10])
        #expect(SampleWorkers(count: 4).shares(of: 2) == [0..<1, 1..<2], "no worker without a sample")
        #expect(SampleWorkers(count: 2).shares(of: 0) == [0..<0])
        #expect(SampleWorkers(count: 0).count == 1)
    }

    @Test func everyIndexRunsOnceOnItsSharesWorker() throws {
        let workers = SampleWorkers(count: 3)
        let visits = Visits()
        try workers.forEach(11) { worker, index in visits.add(worker, index) }
        #expect(visits.pairs.map(\.index).sorted() == Array(0..<11))
        let shares = workers.shares(of: 11)
        #expect(visits.pairs.allSatisfy { shares[$0.worker].contains($0.index) })
        // One worker's indices come in increasing order.
        for worker in shares.indices {
            let own = visits.pairs.filter { $0.worker == worker }.map(\.index)
            #expect(own == Array(shares[worker]))
        }
    }

    @Test func theLowestFailingIndexIsThrownWhateverTheTiming() throws {
        // Index 7 (second worker) fails at once; index 2 (first worker) fails only after a delay.
        for _ in 0..<3 {
            #expect(throws: Failure(index: 2)) {
                try SampleWorkers(count: 2).forEach(10) { _, index in
                    if index == 7 { throw Failure(index: 7) }
                    if index == 2 {
                        Thread.sleep(forTimeInterval: 0.02)
                        throw Failure(index: 2)
                    }
                }
            }
        }
        let visits = Visits()
        #expect(throws: Failure(index: 1)) {
            try SampleWorkers(count: 1).forEach(5) { worker, index in
                visits.add(worker, index)
                if index == 1 { throw Failure(index: 1) }
            }
        }
        #expect(visits.pairs.map(\.index) == [0, 1], "one worker stops at its first failure")
    }

    @Test(arguments: [
        ObserverConfiguration.minMax(MinMaxOptions()), .percentile(PercentileOptions()),
        .entropy(EntropyOptions()), .entropy(EntropyOptions(grid: .streaming)), .mse(MSEOptions()),
    ])
    func calibrationWithSeveralWorkersEqualsOneWorker(configuration: ObserverConfiguration) throws {
        let model = try TextParser.parseModel(TinyModels.reluTimesTwo)
        let samples = try CalibrationSamples(
            model: model, source: CalibrationDataSource(origin: .random(seed: 11, sampleCount: 7)))
        var results: [[String: TensorCalibration]] = []
        for count in [1, 2, 3, 7] {
            let observers = try ObserverSet(configuration: configuration)
            for tensor in ["x", "r", "y"] { try observers.watch(tensor) }
            var runner = CalibrationRunner(samples: samples, task: "calibrate")
            runner.workers = SampleWorkers(count: count)
            try runner.observe(model: model, observers: observers)
            results.append(try observers.results())
        }
        #expect(results[0]["y"]?.counts.batches == 7)
        for other in results.dropFirst() { #expect(other == results[0]) }
    }

    @Test func observersThatDoNotMergeRunOneSampleAtATime() throws {
        let averaging = ObserverConfiguration.minMax(MinMaxOptions(averaging: .exponential(constant: 0.1)))
        let observers = try ObserverSet(configuration: averaging)
        try observers.watch("y")
        #expect(!observers.mergesExactly, "an average over batches depends on their order")
        let model = try TextParser.parseModel(TinyModels.reluTimesTwo)
        let samples = try CalibrationSamples(
            model: model, source: CalibrationDataSource(origin: .random(seed: 11, sampleCount: 5)))
        var runner = CalibrationRunner(samples: samples, task: "calibrate")
        runner.workers = SampleWorkers(count: 2)
        try runner.observe(model: model, observers: observers)
        let single = try ObserverSet(configuration: averaging)
        try single.watch("y")
        runner.workers = .single
        try runner.observe(model: model, observers: single)
        #expect(try observers.results() == single.results())
        #expect(throws: CalibrationError.self) { try observers.absorb(single) }
    }
}
