/// The pipeline `qdqc` runs when `--passes` is not given.
///
/// The text is compiled in so the binary needs no data files; a test checks it
/// against `passes/pipelines/default.pipeline`, the copy users read.
public enum DefaultPipeline {
    /// The canonical pipeline text.
    public static let text = "eliminate-dead-code,topological-sort"
}
