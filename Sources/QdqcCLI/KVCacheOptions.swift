import ArgumentParser
import Calibration
import Passes

/// `--kv-cache int8|float8e4m3fn` (with `--kv-cache-granularity`, `--kv-cache-pairs`): appends `quantize-kv-cache`
/// to the pipeline, after every other quantization pass.
struct KVCacheOptions: ParsableArguments {
    @Option(
        name: .customLong("kv-cache"),
        help: ArgumentHelp(
            "Quantize the KV cache of a decoder with past (past_key_values.N.* inputs, present.N.* outputs) to "
                + "int8 or float8e4m3fn, scales calibrated by generation over --calib-data (the quantize-kv-cache pass).",
            valueName: "format"))
    var format: String?

    @Option(
        name: .customLong("kv-cache-granularity"),
        help: ArgumentHelp(
            "One cache scale per tensor, per head (default), or per channel of head_dim for keys (values per head).",
            valueName: "tensor|head|channel"))
    var granularity: String?

    @Option(
        name: .customLong("kv-cache-pairs"),
        help: ArgumentHelp(
            "The cache tensors as PAST:PRESENT,... when their names do not pair up as past_key_values.N.key ↔ "
                + "present.N.key.",
            valueName: "pairs"))
    var pairs: String?

    mutating func validate() throws {
        if let format, !["int8", "float8e4m3fn"].contains(format) {
            throw ValidationError("--kv-cache '\(format)' is unknown (known: int8, float8e4m3fn)")
        }
        if let granularity, !QuantizeKVCachePass.Granularity.allCases.map(\.rawValue).contains(granularity) {
            throw ValidationError("--kv-cache-granularity '\(granularity)' is unknown (known: tensor, head, channel)")
        }
        if format == nil, granularity != nil || pairs != nil {
            throw ValidationError("--kv-cache-granularity and --kv-cache-pairs need --kv-cache")
        }
    }

    /// Appends (or configures) `quantize-kv-cache` when `--kv-cache` is given; the cache's scales need samples.
    func apply(to pipeline: inout Pipeline, calibrationData: CalibrationDataSource?) throws {
        guard let format else { return }
        guard calibrationData != nil else {
            throw ValidationError(
                "--kv-cache calibrates the cache's scales by running the model: give --calib-data (sequences of "
                    + "input_ids) or --calib-random")
        }
        let argument = QuantizeKVCachePass.argument
        if !pipeline.contains(pass: argument) { pipeline.elements.append(PipelineElement(passArgument: argument)) }
        pipeline.setOption("format", to: format, forPass: argument)
        if let granularity { pipeline.setOption("granularity", to: granularity, forPass: argument) }
        if let pairs { pipeline.setOption("pairs", to: pairs, forPass: argument) }
    }
}
