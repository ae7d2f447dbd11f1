import OnnxIR

/// A product of dimensions as a number times a multiset of symbols, so Reshape's -1 can cancel symbols.
///
/// `[N, S, 384] / [N, S, 12]` is 32 and `[N, 6, 64] / [6, 64]` is N: the
/// quotient is known whenever the divisor's symbols all appear in the dividend.
struct SymbolicProduct: Equatable {
    /// The product of the known sizes.
    var number: Int64
    /// How often each symbol appears.
    var symbols: [String: Int]

    /// The product of `dimensions`, or nil when one is unknown.
    init?(_ dimensions: [Dimension]) {
        number = 1
        symbols = [:]
        for dimension in dimensions {
            switch dimension.kind {
            case .known(let size): number = number.multipliedReportingOverflow(by: size).partialValue
            case .symbolic(let name): symbols[name, default: 0] += 1
            case .unknown: return nil
            }
        }
    }

    /// `dividend / divisor` as one dimension: a number, a single symbol, or unknown.
    static func quotient(of dividend: [Dimension], by divisor: [Dimension]) -> Dimension {
        guard let top = SymbolicProduct(dividend), let bottom = SymbolicProduct(divisor), bottom.number != 0 else {
            return .unknown
        }
        var remaining = top.symbols
        for (name, count) in bottom.symbols {
            guard let available = remaining[name], available >= count else { return .unknown }
            remaining[name] = available == count ? nil : available - count
        }
        let (remainder, overflow) = top.number.remainderReportingOverflow(dividingBy: bottom.number)
        guard !overflow, remainder == 0 else { return .unknown }
        let ratio = top.number.dividedReportingOverflow(by: bottom.number).partialValue
        if remaining.isEmpty { return .known(ratio) }
        if ratio == 1, remaining.count == 1, let only = remaining.first, only.value == 1 { return .symbolic(only.key) }
        return .unknown
    }
}
