import OnnxIR

/// Arithmetic on dimensions that may be numbers, named symbols or unknown.
///
/// A symbol is kept only where the result is provably the same size (`N * 1`,
/// `N + 0`, broadcasting `N` with 1); anything else about symbols is unknown.
enum DimensionMath {
    /// The dimension without its denotation, with ONNX's "unknown" spellings (negative size, empty name) unknown.
    static func normalized(_ dimension: Dimension) -> Dimension {
        switch dimension.kind {
        case .known(let size): return size >= 0 ? .known(size) : .unknown
        case .symbolic(let name): return name.isEmpty ? .unknown : .symbolic(name)
        case .unknown: return .unknown
        }
    }

    /// The sum of `sizes`, or nil when it overflows `Int64` (sizes read from a file may add up to anything).
    static func checkedSum(_ sizes: [Int64]) -> Int64? {
        var total: Int64 = 0
        for size in sizes {
            let (sum, overflow) = total.addingReportingOverflow(size)
            if overflow { return nil }
            total = sum
        }
        return total
    }

    /// Numpy broadcasting of two dimensions; nil when two known sizes cannot broadcast.
    ///
    /// A known size other than 1 wins over a symbol or an unknown (the only
    /// other valid runtime size is 1 or the same size).
    static func broadcast(_ first: Dimension, _ second: Dimension) -> Dimension? {
        switch (first.kind, second.kind) {
        case (.known(let a), .known(let b)):
            if a == b || b == 1 { return .known(a) }
            if a == 1 { return .known(b) }
            return nil
        case (.known(1), _): return second
        case (_, .known(1)): return first
        case (.known, _): return first
        case (_, .known): return second
        case (.symbolic(let a), .symbolic(let b)) where a == b: return first
        default: return .unknown
        }
    }

    /// Numpy broadcasting of shapes (aligned at the right); nil when two known sizes clash.
    static func broadcast(_ shapes: [[Dimension]]) -> [Dimension]? {
        let rank = shapes.map(\.count).max() ?? 0
        var result = [Dimension](repeating: .known(1), count: rank)
        for shape in shapes {
            let offset = rank - shape.count
            for (index, dimension) in shape.enumerated() {
                guard let combined = broadcast(result[offset + index], dimension) else { return nil }
                result[offset + index] = combined
            }
        }
        return result
    }

    /// The more precise of two descriptions of one dimension; nil when two known sizes differ.
    ///
    /// A number beats a symbol, a symbol beats unknown, and of two different
    /// symbols the first is kept (both may name the same runtime size).
    static func merge(_ first: Dimension, _ second: Dimension) -> Dimension? {
        switch (first.kind, second.kind) {
        case (.known(let a), .known(let b)): return a == b ? first : nil
        case (.known, _): return first
        case (_, .known): return second
        case (.symbolic, _): return first
        default: return second
        }
    }

    /// The product of dimensions: a number when all are known, the one symbol when the rest are 1.
    static func product(_ dimensions: [Dimension]) -> Dimension {
        var known: Int64 = 1
        var symbols: [Dimension] = []
        for dimension in dimensions {
            switch dimension.kind {
            case .known(let size): known = known.multipliedReportingOverflow(by: size).partialValue
            case .symbolic: symbols.append(dimension)
            case .unknown: return known == 0 ? .known(0) : .unknown
            }
        }
        if known == 0 { return .known(0) }
        if symbols.isEmpty { return .known(known) }
        return symbols.count == 1 && known == 1 ? symbols[0] : .unknown
    }

    /// `first + second`.
    static func add(_ first: Dimension, _ second: Dimension) -> Dimension {
        switch (first.kind, second.kind) {
        case (.known(let a), .known(let b)): return .known(a.addingReportingOverflow(b).partialValue)
        case (_, .known(0)): return first
        case (.known(0), _): return second
        default: return .unknown
        }
    }

    /// `first * second`.
    static func multiply(_ first: Dimension, _ second: Dimension) -> Dimension { product([first, second]) }

    /// `first / second` when it is exact, else unknown.
    static func divide(_ first: Dimension, _ second: Dimension) -> Dimension {
        switch (first.kind, second.kind) {
        case (.known(let a), .known(let b)) where b > 0 && a % b == 0: return .known(a / b)
        case (_, .known(1)): return first
        case (.symbolic(let a), .symbolic(let b)) where a == b: return .known(1)
        default: return .unknown
        }
    }

    /// Whether two dimensions are provably the same size.
    static func provablyEqual(_ first: Dimension, _ second: Dimension) -> Bool {
        switch (first.kind, second.kind) {
        case (.known(let a), .known(let b)): return a == b
        case (.symbolic(let a), .symbolic(let b)): return a == b
        default: return false
        }
    }

    /// Whether two dimensions are provably different sizes (two different numbers).
    static func provablyDifferent(_ first: Dimension, _ second: Dimension) -> Bool {
        if let a = first.value, let b = second.value { return a != b }
        return false
    }

    /// A size computed in floating point, or unknown when it is not a representable non-negative integer.
    static func known(fromDouble value: Double) -> Dimension {
        guard value.isFinite, value >= 0, value < Double(Int64(1) << 62) else { return .unknown }
        return .known(Int64(value))
    }

    /// Whether a size is small enough that window arithmetic on it cannot overflow.
    static func isTractable(_ size: Int64) -> Bool { size >= 0 && size <= Int64(1) << 40 }
}
