import Calibration
import OnnxIO
import OnnxIR
import OnnxInterpreter

extension RoundWeightsPass {
    /// `inputs=quantized`: rounds the layers stage by stage, each stage for the input the quantized model gives it
    /// once the stages before it are rounded (GPTAQ's sequential order). Returns whether a weight was written.
    ///
    /// A layer's stage is the number of rounded layers on its longest path from the graph inputs, so a stage's
    /// layers never feed each other. Per stage, a trial copy of the model as the earlier stages left it is quantized
    /// with `insert-qdq`'s options, and the float model (as it was before this pass) and the trial copy run over the
    /// calibration samples in step, computing only what the stage's inputs need; each layer's float and quantized
    /// inputs are paired (`LayerInputPairs`), its correction is chosen (`QuantizedInputFit`), and its weight and
    /// bias are written before the next stage's copy is made. So a layer makes up for what its own input's
    /// quantization and every rounded layer before it left, and for nothing an earlier layer already made up for.
    /// A `method=auto` table's check against minmax is the first trial's, made before any weight changed
    /// (`PipelineSession.autoRangeCheck`), and holds for every stage and for `insert-qdq`.
    func roundForQuantizedInputs(
        _ jobs: [RoundingJob], positions: [Int], firstTrial: Model, model: Model, source: CalibrationDataSource,
        context: PassContext, statistics: inout [String: Int]
    ) throws -> Bool {
        guard !jobs.isEmpty else { return false }
        let reference = try ModelReader.read(
            data: try ModelWriter.serialize(model), path: "\(Self.argument) float copy", baseDirectory: nil)
        let samples = try CalibrationSamples(model: model, source: source)
        let stages = Self.stages(of: jobs.map(\.layer.node), in: model.graph)
        var changed = false
        for (number, stage) in stages.enumerated() {
            // The first stage sees the model unchanged: the trial the jobs were made from is its trial.
            let trial =
                number == 0
                ? firstTrial
                : try TrialQuantization.copy(
                    of: model, insertOptions: trialOptions, source: source, context: context, pass: Self.argument)
            let layers = trial.graph.nodes.filter(LinearLayer.isLayer)
            guard let last = positions.max(), last < layers.count else {
                throw RoundWeightsError(
                    "round-weights: the trial quantization of stage \(number + 1) has \(layers.count) Conv/Gemm/MatMul "
                        + "layers, fewer than the model")
            }
            var stageJobs = stage.map { jobs[$0] }
            var floatReaders: [String: [Int]] = [:]
            var quantizedReaders: [String: [Int]] = [:]
            for (index, job) in stageJobs.enumerated() {
                guard let input = layers[positions[stage[index]]].inputs[0] else { continue }
                stageJobs[index].pairs = LayerInputPairs(reader: job.gram)
                floatReaders[job.input, default: []].append(index)
                quantizedReaders[input.name, default: []].append(index)
            }
            let runner = CalibrationRunner(
                samples: samples, task: "\(Self.argument) (stage \(number + 1) of \(stages.count))",
                progress: context.progress)
            try measurePairs(
                &stageJobs, reference: reference, trial: trial, floatReaders: floatReaders,
                quantizedReaders: quantizedReaders, runner: runner)
            for job in stageJobs where try write(job, into: model, context: context, statistics: &statistics) {
                changed = true
            }
        }
        return changed
    }

    /// Groups the layer nodes by stage (the most layers among `layers` on a path from the graph inputs to the
    /// node's data input), in stage order; indices into `layers`. Nodes are read in the graph's (topological) order.
    static func stages(of layers: [Node], in graph: Graph) -> [[Int]] {
        let positions = Dictionary(
            layers.enumerated().map { (ObjectIdentifier($0.element), $0.offset) }, uniquingKeysWith: { a, _ in a })
        var level: [ObjectIdentifier: Int] = [:]
        var stageOf = [Int](repeating: 0, count: layers.count)
        for node in graph.nodes {
            let reached = node.inputs.compactMap { $0.flatMap { level[ObjectIdentifier($0)] } }.max() ?? 0
            var out = reached
            if let position = positions[ObjectIdentifier(node)] {
                // The weight and bias are constants: the stage is set by the data input alone.
                let input = node.inputs.first.flatMap { $0 }.flatMap { level[ObjectIdentifier($0)] } ?? 0
                stageOf[position] = input
                out = max(reached, input + 1)
            }
            for output in node.outputs.compactMap({ $0 }) { level[ObjectIdentifier(output)] = out }
        }
        let count = (stageOf.max() ?? -1) + 1
        var stages = [[Int]](repeating: [], count: count)
        for (position, stage) in stageOf.enumerated() { stages[stage].append(position) }
        return stages.filter { !$0.isEmpty }
    }

    /// Runs the float model and the trial copy over the samples in step, one sample at a time, pairing each job's
    /// float input with its quantized one.
    private func measurePairs(
        _ jobs: inout [RoundingJob], reference: Model, trial: Model, floatReaders: [String: [Int]],
        quantizedReaders: [String: [Int]], runner: CalibrationRunner
    ) throws {
        let float = try Interpreter(model: reference, computing: Array(floatReaders.keys))
        let quantized = try Interpreter(model: trial, computing: Array(quantizedReaders.keys))
        var observed = jobs
        try runner.forEachSample { sample in
            try CalibrationRunner.naming(sample) {
                for (interpreter, readers, isFloat) in [
                    (float, floatReaders, true), (quantized, quantizedReaders, false),
                ] {
                    _ = try interpreter.run(
                        sample.arrays,
                        observer: { tensor in
                            guard tensor.depth == 0, tensor.array.dataType == .float else { return }
                            try tensor.array.withFloats { values in
                                for index in readers[tensor.name] ?? [] {
                                    if isFloat {
                                        try observed[index].pairs?.stageFloat(values, shape: tensor.array.shape)
                                    } else {
                                        try observed[index].pairs?.observeQuantized(values, shape: tensor.array.shape)
                                    }
                                }
                            }
                        }, watching: { readers[$0] != nil })
                }
                for index in observed.indices { observed[index].pairs?.discardStaged() }
            }
        }
        jobs = observed
    }

    /// Rounds `job` for its paired inputs and writes its weight (and, where chosen, its bias) into `model`; false
    /// when its input was never seen.
    private func write(_ job: RoundingJob, into model: Model, context: PassContext, statistics: inout [String: Int])
        throws -> Bool
    {
        guard let pairs = job.pairs, pairs.groups.allSatisfy({ $0.contains { $0.rows > 0 } }) else {
            statistics["unobserved-layers", default: 0] += 1
            context.remark(
                "round-weights: '\(job.layer.node.displayName)' never ran on a float32 input; keeps round-to-nearest")
            return false
        }
        var layer = job.layer
        var bias: LayerBias?
        switch LayerBias.read(layer, followingAdd: LayerBias.followingAdd(of: layer.node)) {
        case .success(let read): bias = read.isWritable ? read : nil
        case .failure(let refusal):
            context.remark(
                "round-weights: '\(layer.node.displayName)' keeps its bias (\(refusal)); its weight is still rounded "
                    + "for the quantized input")
        }
        let rounded = try job.roundedForQuantizedInputs(damp: Self.damp, ridgeScale: Self.ridgeScale, bias: bias)
        layer.weights = rounded.weights.map(Double.init)
        try layer.writeWeights(suffix: "_gptq", in: model.graph)
        statistics["gptq-weights", default: 0] += 1
        if rounded.movedGroups > 0 { statistics["moved-weights", default: 0] += 1 }
        if let corrected = rounded.bias {
            try corrected.write(suffix: "_gptaq", in: model.graph)
            statistics["corrected-biases", default: 0] += 1
        }
        return true
    }
}
