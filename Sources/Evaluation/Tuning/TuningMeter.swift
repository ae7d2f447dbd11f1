import Calibration
import OnnxIR
import OnnxInterpreter
import Passes

/// Measures each setting `--tune` converts on the evaluation plan's samples: the float model's values are
/// computed once and kept, so a setting costs one run of its quantized model per sample.
///
/// It measures every graph output, and for an output made by Softmax, LogSoftmax or Sigmoid (through
/// Identity, Reshape, Flatten, Squeeze, Unsqueeze, Transpose or Cast) also that node's input, the logits: a
/// saturated probability's SQNR over a few samples hangs on the one or two near the decision boundary
/// (docs/benchmarks.md measured 15 dB swings from one sample on ppocr_mobile_v2_cls), while the logits weigh
/// every sample alike. The SQNR is the report's (`ErrorAccumulator` over all samples), so the chosen setting's
/// output numbers are the ones the report's `evaluation` shows for the written model. Memory: the float
/// values of every evaluation sample.
public struct TuningMeter {
    /// Per sample, the float model's measured values by name, as Float (those readable as numbers).
    private let references: [[String: [Float]]]
    /// The graph outputs, in graph order.
    public let outputs: [String]
    /// The logits measured beside the outputs, in graph-output order.
    public let logits: [String]
    private let plan: EvaluationPlan

    /// The ops whose input is the logits of the probability they output.
    static let probabilityOps: Set = ["Softmax", "LogSoftmax", "Sigmoid"]
    /// Ops followed back from a graph output to its Softmax/Sigmoid: they move or relabel values only.
    static let passThroughOps: Set = ["Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Cast"]

    /// Runs `float` over `plan`'s samples; refuses a plan that measures on the calibration samples themselves.
    public init(float: Model, floatName: String, plan: EvaluationPlan) throws {
        guard plan.source != "calibration" else { throw TuningError.noHeldBackSamples(note: plan.note) }
        self.plan = plan
        let names = float.graph.outputs.map(\.name)
        outputs = names
        let logits = Self.logits(of: float.graph)
        self.logits = logits
        let interpreter = try Interpreter(model: float, name: floatName, computing: names + logits)
        var references: [[String: [Float]]] = []
        try plan.runner(task: "tune (float reference)").forEachSample(in: plan.indices) { sample in
            let results = try interpreter.run(interpreter.declaredInputs(in: sample.arrays))
            var kept: [String: [Float]] = [:]
            for name in names + logits {
                if let array = results[name], let values = try? array.floatValues() { kept[name] = values }
            }
            references.append(kept)
        }
        self.references = references
    }

    /// The inputs of the Softmax/LogSoftmax/Sigmoid nodes that make graph outputs (not graph outputs themselves).
    static func logits(of graph: Graph) -> [String] {
        let outputNames = Set(graph.outputs.map(\.name))
        var logits: [String] = []
        for output in graph.outputs {
            var node = output.producer
            while let current = node, current.domain == "", passThroughOps.contains(current.opType) {
                node = current.inputs.first??.producer
            }
            guard let node, node.domain == "", probabilityOps.contains(node.opType),
                let input = node.inputs.first??.name, !input.isEmpty, !outputNames.contains(input),
                !logits.contains(input)
            else { continue }
            logits.append(input)
        }
        return logits
    }

    /// Each graph output's and each logits tensor's SQNR of `quantized` against the float model.
    ///
    /// A logits tensor the quantized model does not hold under its float name, or holds divided by SmoothQuant's
    /// scales, is not measured.
    public func measure(_ quantized: Model, name: String) throws -> TuningMeasurement {
        let rescaled = Set(SmoothQuantPass.rescaledValues(of: quantized))
        let defined = Set(quantized.graph.nodes.flatMap { $0.outputs.compactMap { $0?.name } })
        let logits = self.logits.filter { defined.contains($0) && !rescaled.contains($0) }
        let interpreter = try Interpreter(model: quantized, name: name, computing: outputs + logits)
        var sums = [String: ErrorAccumulator]()
        var index = 0
        try plan.runner(task: "tune").forEachSample(in: plan.indices) { sample in
            let results = try interpreter.run(interpreter.declaredInputs(in: sample.arrays))
            for (tensor, reference) in references[index] {
                guard let array = results[tensor] else { continue }
                let values = try array.floatValues()
                guard values.count == reference.count else {
                    throw CompareError.sizeMismatch(
                        tensor: tensor, quantizedTensor: tensor, floatCount: reference.count,
                        quantizedCount: values.count, sample: sample.name)
                }
                reference.withUnsafeBufferPointer { x in
                    values.withUnsafeBufferPointer { y in
                        sums[tensor, default: ErrorAccumulator()].add(reference: x, quantized: y)
                    }
                }
            }
            index += 1
        }
        func rows(_ names: [String]) -> [ReportOutputSQNR] {
            names.compactMap { tensor in sums[tensor].map { ReportOutputSQNR(output: tensor, sqnr: $0.sqnr) } }
        }
        return TuningMeasurement(outputs: rows(outputs), logits: rows(logits))
    }
}
