/// The pipelines `qdqc` runs when `--passes` is not given.
///
/// The texts are compiled in so the binary needs no data files; a test checks each against its file in
/// `passes/pipelines/`, the copies users read.
public enum DefaultPipeline {
    /// The canonical pipeline text; `convert-qoperator` and `import-qdq` first, before constant folding would turn a model's quantized
    /// weights into anonymous float constants.
    public static let text =
        "convert-qoperator,import-qdq,infer-shapes,fold-constants,fold-batchnorm,eliminate-identity,fuse-layernorm,eliminate-dead-code,upgrade-opset,calibrate,insert-qdq,cleanup-qdq"

    /// The default pipeline up to and including its `calibrate` pass: what `qdqc calibrate` runs, so that a
    /// part's model hash is the one a later default conversion computes.
    public static var calibrationText: String {
        let passes = text.split(separator: ",")
        return passes.prefix { $0 != "calibrate" }.joined(separator: ",") + ",calibrate"
    }

    /// The dynamic-activation pipeline (`--activation-scales dynamic-*`, `passes/pipelines/dynamic.pipeline`):
    /// the same preparation, per-channel int8 weights by `quantize-weights`, then `dynamic-qdq`; no calibration.
    public static let dynamicText =
        "infer-shapes,fold-constants,fold-batchnorm,eliminate-identity,fuse-layernorm,eliminate-dead-code,upgrade-opset,quantize-weights{format=int8,block-size=0,scale-rule=restricted},dynamic-qdq"

    /// The weight-only pipeline (`--activations none`, `passes/pipelines/weight-only.pipeline`): the same
    /// preparation, then `quantize-weights` instead of calibration and Q/DQ insertion.
    public static let weightOnlyText =
        "infer-shapes,fold-constants,fold-batchnorm,eliminate-identity,fuse-layernorm,eliminate-dead-code,upgrade-opset,quantize-weights"

    /// The pipeline of `--weights none --activations none` (`passes/pipelines/float.pipeline`): the preparation
    /// only, so that `--kv-cache` (which appends `quantize-kv-cache`) quantizes nothing but the cache.
    public static let floatText =
        "infer-shapes,fold-constants,fold-batchnorm,eliminate-identity,fuse-layernorm,eliminate-dead-code,upgrade-opset"
}
