/// One dimension of a shape: a number, a named symbol, or unknown.
public struct Dimension: Hashable, Sendable, CustomStringConvertible {
    /// What is known of the dimension's size.
    public enum Kind: Hashable, Sendable {
        /// A fixed size.
        case known(Int64)
        /// A size named by a symbol (`N`, `batch`), equal wherever the same name appears.
        case symbolic(String)
        /// Nothing is known.
        case unknown
    }

    /// What is known of the size.
    public var kind: Kind
    /// ONNX's optional semantic tag for the dimension (`DATA_BATCH`, ...).
    public var denotation: String?

    /// Creates a dimension of the given kind.
    public init(_ kind: Kind, denotation: String? = nil) {
        self.kind = kind
        self.denotation = denotation
    }

    /// A fixed-size dimension.
    public static func known(_ size: Int64) -> Dimension { Dimension(.known(size)) }
    /// A symbolic dimension.
    public static func symbolic(_ name: String) -> Dimension { Dimension(.symbolic(name)) }
    /// An unknown dimension.
    public static var unknown: Dimension { Dimension(.unknown) }

    /// The fixed size, if known.
    public var value: Int64? {
        if case .known(let size) = kind { return size }
        return nil
    }

    /// `3`, `N`, or `?`.
    public var description: String {
        switch kind {
        case .known(let size): return String(size)
        case .symbolic(let name): return name
        case .unknown: return "?"
        }
    }
}
