/// A list of passes with their options, written as text: `a,b{key=value,k2=v2},c`.
///
/// Printing a parsed pipeline gives its canonical text (no blanks, no comments,
/// values quoted only when needed), so `Pipeline.parse(s).description == s` for
/// canonical `s`.
public struct Pipeline: Sendable, Equatable, CustomStringConvertible {
    /// The passes in order.
    public var elements: [PipelineElement]

    /// Creates a pipeline.
    public init(_ elements: [PipelineElement] = []) {
        self.elements = elements
    }

    /// Parses pipeline text; blanks and line breaks between tokens and `#` comments are allowed.
    ///
    /// Empty text is the empty pipeline. Errors give the line and column.
    public static func parse(_ text: String) throws -> Pipeline {
        var parser = PipelineParser(text)
        return Pipeline(try parser.parse())
    }

    /// Whether the pipeline has no passes.
    public var isEmpty: Bool { elements.isEmpty }

    /// The canonical text.
    public var description: String { elements.map(\.description).joined(separator: ",") }

    /// The pipeline from element `index` on (the rest of a pipeline, for reproducers).
    public func suffix(from index: Int) -> Pipeline {
        Pipeline(Array(elements.dropFirst(max(0, index))))
    }
}
