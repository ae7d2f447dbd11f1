/// The pipeline `qdqc` runs when `--passes` is not given.
///
/// The text is compiled in so the binary needs no data files; a test checks it
/// against `passes/pipelines/default.pipeline`, the copy users read.
public enum DefaultPipeline {
    /// The canonical pipeline text.
    public static let text =
        "infer-shapes,fold-constants,fold-batchnorm,eliminate-identity,fuse-layernorm,eliminate-dead-code,upgrade-opset,calibrate,insert-qdq,cleanup-qdq"
}
