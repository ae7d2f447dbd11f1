/// A pass that may read what an earlier pass of the same run left in the `PipelineSession`.
///
/// A reproducer starts a new run at the failing pass, with an empty session, so what the session
/// held must become options (and files) the pipeline names: `pinning` rewrites the pass's pipeline
/// element that way, and the reproducer's `pipeline` file holds the result.
public protocol SessionReadingPass: Pass {
    /// The passes whose run fills what this pass reads: when one of them runs before this pass in the
    /// reproducer's pipeline, it fills the session again and nothing is pinned.
    static var sessionWriters: [String] { get }

    /// `element` with options naming what `session` holds for this pass, writing any file it needs
    /// into `files`; `element` itself when its options already name everything or the session is empty.
    static func pinning(_ element: PipelineElement, session: PipelineSession, files: ReproducerFiles) throws
        -> PipelineElement
}
