/// The shape of a tensor: its dimensions, outermost first. A scalar has none.
public struct Shape: Hashable, Sendable, CustomStringConvertible {
    /// The dimensions, outermost first.
    public var dimensions: [Dimension]

    /// Creates a shape from dimensions.
    public init(_ dimensions: [Dimension]) { self.dimensions = dimensions }

    /// Creates a fully static shape.
    public init(static sizes: [Int64]) { self.dimensions = sizes.map { .known($0) } }

    /// Number of dimensions.
    public var rank: Int { dimensions.count }

    /// The sizes if every dimension is known, else nil.
    public var staticSizes: [Int64]? {
        var sizes: [Int64] = []
        sizes.reserveCapacity(dimensions.count)
        for dimension in dimensions {
            guard let size = dimension.value else { return nil }
            sizes.append(size)
        }
        return sizes
    }

    /// `[N,3,224,224]`.
    public var description: String { "[" + dimensions.map(\.description).joined(separator: ",") + "]" }
}
