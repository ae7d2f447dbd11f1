import Calibration
import Foundation
import OnnxIR
import OnnxInterpreter
import Quantization

/// Measures what moving the model's pairs to float8 costs (`ForeignFormatChange`), tensor by tensor: the SQNR of
/// the model's integer grid and of the float8 grid against the values they stand for.
///
/// A weight is measured on its own values, which are the model's dequantized integer codes, so the integer grid
/// is exact there and the float8 figure is all the error the change adds. An activation is measured on the float
/// model's values over the calibration samples (main graph: `import-qdq` reads no pairs in bodies), both grids on
/// the same values, so the difference is the error the change adds on that data.
struct ForeignFormatChangeMeasurement {
    /// Signal and the two noises of one tensor, summed in float64.
    private struct Sums {
        var signal = 0.0
        var fromNoise = 0.0
        var toNoise = 0.0

        mutating func add(_ values: [Float], from: [Float], to: [Float]) {
            for index in values.indices {
                let value = Double(values[index])
                signal += value * value
                fromNoise += (value - Double(from[index])) * (value - Double(from[index]))
                toNoise += (value - Double(to[index])) * (value - Double(to[index]))
            }
        }

        var from: Double { QuantizationMetrics.sqnr(signal: signal, noise: fromNoise) }
        var to: Double { QuantizationMetrics.sqnr(signal: signal, noise: toNoise) }
    }

    /// The changes, measured; `weights` maps a changed constant's tensor to its float values.
    static func measured(
        _ changes: [ForeignFormatChange], weights: [String: Tensor], model: Model, context: PassContext
    ) throws -> [ForeignFormatChange] {
        var sums: [String: Sums] = [:]
        var result = changes
        for change in changes {
            guard let tensor = weights[change.tensor], let values = ConstantData.floats(tensor) else { continue }
            var entry = Sums()
            entry.add(
                values, from: try roundTrip(values, change.from, change.tensor),
                to: try roundTrip(values, change.to, change.tensor))
            sums[change.tensor] = entry
        }
        let activations = Dictionary(
            changes.filter { weights[$0.tensor] == nil }.map { ($0.tensor, $0) }, uniquingKeysWith: { a, _ in a })
        var samples = 0
        if !activations.isEmpty, let source = context.calibrationData {
            let calibration = try CalibrationSamples(model: model, source: source)
            samples = calibration.count
            let runner = CalibrationRunner(
                samples: calibration, task: "\(InsertQDQPass.argument) (float8 change)", progress: context.progress)
            try runner.run(model: model, watching: { activations[$0] != nil }) { observed in
                guard let change = activations[observed.name], observed.array.dataType == .float else { return }
                let values = try observed.array.withFloats { Array($0) }
                let from = try perTensorRoundTrip(values, change.from, change.tensor)
                let to = try perTensorRoundTrip(values, change.to, change.tensor)
                sums[change.tensor, default: Sums()].add(values, from: from, to: to)
            }
        }
        for index in result.indices {
            let change = result[index]
            guard let entry = sums[change.tensor] else {
                result[index].unmeasured =
                    context.calibrationData == nil ? "no calibration samples" : "no sample produced it"
                continue
            }
            let against =
                weights[change.tensor] != nil
                ? "the model's \(change.from.format) weight values"
                : "the float values on \(samples) calibration samples"
            result[index].measurement = ForeignFormatChange.Measurement(
                from: entry.from, to: entry.to, against: against)
        }
        return result
    }

    /// One remark line: how many pairs moved, and the worst and median SQNR change among the measured ones.
    static func summary(of changes: [ForeignFormatChange]) -> String {
        let formats = Set(changes.map { "\($0.from.format) → \($0.to.format)" }).sorted().joined(separator: ", ")
        var line =
            "insert-qdq: \(changes.count) of the model's pairs moved to float8 over their recorded ranges "
            + "(\(formats)); each tensor's SQNR change is in the report"
        // Exact integer weights have no finite change: their float8 SQNR is the whole cost.
        let measured = changes.compactMap { change in change.measurement.map { (change.tensor, $0) } }
        let changed = measured.filter { $0.1.change.isFinite }.sorted { $0.1.change < $1.1.change }
        if let worst = changed.first {
            let median = changed[changed.count / 2].1.change
            line +=
                "; SQNR change worst '\(worst.0)' \(ForeignFormatChange.signed(worst.1.change)), median "
                + "\(ForeignFormatChange.signed(median)) over \(changed.count) tensors"
        }
        if let lowest = measured.filter({ !$0.1.change.isFinite }).min(by: { $0.1.to < $1.1.to }) {
            line +=
                "; exact integer weights: lowest float8 SQNR \(ForeignFormatChange.decibels(lowest.1.to)) "
                + "('\(lowest.0)')"
        }
        let unmeasured = changes.count - measured.count
        if unmeasured > 0 { line += "; \(unmeasured) not measured" }
        return line
    }

    /// `values` through a QuantizeLinear/DequantizeLinear with `params` (its own shape and granularity).
    private static func roundTrip(_ values: [Float], _ params: QuantParamSet, _ tensor: String) throws -> [Float] {
        do {
            let codes = try WeightQuantizer.quantizedData(values: values, params: params, tensor: tensor)
            return try Dequantizer.dequantize(data: codes, params: params, tensor: tensor)
        } catch let error as QuantizationError {
            throw InsertQDQError("insert-qdq: measuring the float8 change: \(error)")
        }
    }

    /// `values` of any shape through a per-tensor pair with `params`' single scale and zero point.
    private static func perTensorRoundTrip(_ values: [Float], _ params: QuantParamSet, _ tensor: String) throws
        -> [Float]
    {
        guard let single = params.params(at: 0) else { return values }
        let flat: QuantParamSet
        do {
            flat = try QuantParamSet(
                format: single.format, granularity: .perTensor, tensorShape: [values.count], scales: [single.scale],
                zeroPoints: [single.zeroPoint], tensor: tensor)
        } catch let error as QuantizationError {
            throw InsertQDQError("insert-qdq: measuring the float8 change: \(error)")
        }
        return try roundTrip(values, flat, tensor)
    }
}
