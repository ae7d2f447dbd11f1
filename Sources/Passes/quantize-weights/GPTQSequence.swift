import Calibration
import OnnxIR

/// GPTQ's sequential mode: layers are quantized in waves, each wave's inputs measured on the model with
/// every earlier wave already quantized, so a layer compensates the errors of the layers before it too.
///
/// A wave is the set of layers at one depth: a layer's depth is one more than the deepest quantized
/// layer its input depends on (Q, K and V of one block share a wave; the output projection follows).
struct GPTQSequence {
    /// The pass, whose `write` quantizes each wave.
    let pass: QuantizeWeightsPass

    /// Quantizes every job, wave by wave.
    func run(
        model: Model, jobs: [WeightOnlyJob], source: CalibrationDataSource, counters: inout WeightOnlyStatistics,
        context: PassContext
    ) throws {
        let depths = Self.depths(of: jobs)
        let collector = LayerInputCollector(rowLimit: 0, gram: true)
        let levels = Set(depths).sorted()
        for (number, level) in levels.enumerated() {
            var wave = jobs.indices.filter { depths[$0] == level }.map { jobs[$0] }
            let activations = Set(wave.compactMap { $0.sharedActivation?.name })
            var statistics =
                activations.isEmpty
                ? [:]
                : try collector.collect(
                    model: model, activations: Array(activations), source: source, context: context,
                    task: "\(QuantizeWeightsPass.argument) (wave \(number + 1)/\(levels.count))", pruned: true)
            for index in wave.indices { wave[index].statisticsInput = wave[index].sharedActivation?.name }
            try pass.write(
                wave, statistics: &statistics, rowScales: [:], into: model.graph, counters: &counters, context: context)
        }
        counters.counters["gptq-waves"] = levels.count
    }

    /// Each job's depth: 0 when no other job's layer lies upstream of its input, else one more than the
    /// deepest such job.
    static func depths(of jobs: [WeightOnlyJob]) -> [Int] {
        var jobOfNode: [ObjectIdentifier: Int] = [:]
        for (index, job) in jobs.enumerated() {
            for layer in job.layers { jobOfNode[ObjectIdentifier(layer.node)] = index }
        }
        var upstream: [[Int]] = []
        for job in jobs {
            var found = Set<Int>()
            var seen = Set<ObjectIdentifier>()
            var stack = job.layers.compactMap { $0.activation?.producer }
            while let node = stack.popLast() {
                guard seen.insert(ObjectIdentifier(node)).inserted else { continue }
                if let other = jobOfNode[ObjectIdentifier(node)] { found.insert(other) }
                for case let input? in node.inputs { if let producer = input.producer { stack.append(producer) } }
            }
            upstream.append(found.sorted())
        }
        var depth = [Int?](repeating: nil, count: jobs.count)
        func resolve(_ index: Int, _ visiting: inout Set<Int>) -> Int {
            if let known = depth[index] { return known }
            guard visiting.insert(index).inserted else { return 0 }
            let value = upstream[index].filter { $0 != index }.map { resolve($0, &visiting) + 1 }.max() ?? 0
            depth[index] = value
            return value
        }
        var visiting = Set<Int>()
        return jobs.indices.map { resolve($0, &visiting) }
    }
}
