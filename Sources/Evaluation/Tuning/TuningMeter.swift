import Calibration
import OnnxIR
import OnnxInterpreter

/// Measures each setting `--tune` converts on the evaluation plan's samples: the float model's graph outputs
/// are computed once and kept, so a setting costs one run of its quantized model per sample.
///
/// The SQNR is the report's (`ErrorAccumulator` over all samples, per graph output, every output the report measures), so the chosen setting's
/// numbers are the ones the report's `evaluation` shows for the written model. Memory: the float outputs of
/// every evaluation sample.
public struct TuningMeter {
    /// Per sample, the float model's graph outputs by name, as Float (those readable as numbers).
    private let references: [[String: [Float]]]
    /// The graph outputs, in graph order.
    private let outputs: [String]
    private let plan: EvaluationPlan

    /// Runs `float` over `plan`'s samples; refuses a plan that measures on the calibration samples themselves.
    public init(float: Model, floatName: String, plan: EvaluationPlan) throws {
        guard plan.source != "calibration" else { throw TuningError.noHeldBackSamples(note: plan.note) }
        self.plan = plan
        let names = float.graph.outputs.map(\.name)
        outputs = names
        let interpreter = try Interpreter(model: float, name: floatName)
        var references: [[String: [Float]]] = []
        try plan.runner(task: "tune (float reference)").forEachSample(in: plan.indices) { sample in
            let results = try interpreter.run(Self.inputs(sample.arrays, for: interpreter))
            var kept: [String: [Float]] = [:]
            for name in names {
                if let array = results[name], let values = try? Self.floats(array) { kept[name] = values }
            }
            references.append(kept)
        }
        self.references = references
    }

    /// Each graph output's SQNR of `quantized` against the float model, in graph order.
    public func measure(_ quantized: Model, name: String) throws -> [ReportOutputSQNR] {
        let interpreter = try Interpreter(model: quantized, name: name)
        var sums = [String: ErrorAccumulator]()
        var index = 0
        try plan.runner(task: "tune").forEachSample(in: plan.indices) { sample in
            let results = try interpreter.run(Self.inputs(sample.arrays, for: interpreter))
            for (output, reference) in references[index] {
                guard let array = results[output] else { continue }
                let values = try Self.floats(array)
                guard values.count == reference.count else {
                    throw CompareError.sizeMismatch(
                        tensor: output, quantizedTensor: output, floatCount: reference.count,
                        quantizedCount: values.count, sample: sample.name)
                }
                reference.withUnsafeBufferPointer { x in
                    values.withUnsafeBufferPointer { y in
                        sums[output, default: ErrorAccumulator()].add(reference: x, quantized: y)
                    }
                }
            }
            index += 1
        }
        return outputs.compactMap { output in sums[output].map { ReportOutputSQNR(output: output, sqnr: $0.sqnr) } }
    }

    private static func floats(_ array: NDArray) throws -> [Float] {
        if array.dataType == .float { return try array.withFloats { Array($0) } }
        return try array.floatValues()
    }

    /// The inputs `interpreter`'s model declares.
    private static func inputs(_ all: [String: NDArray], for interpreter: Interpreter) -> [String: NDArray] {
        let declared = Set(interpreter.model.graph.inputs.map(\.name))
        return all.filter { declared.contains($0.key) }
    }
}
