/// Exact conversion of short decimal literals without going through strings (Clinger's fast path).
///
/// A literal whose digits fit in 53 bits and whose decimal exponent is within ±22 is
/// `digits × 10^e` with both factors exact doubles, so one multiplication or division
/// rounds it correctly to a double. Narrowing that double to a float rounds a second
/// time, which can differ from rounding the decimal directly only when the double lands
/// exactly on a midpoint between two floats; those cases, and everything else, return
/// nil so the caller takes the general (string) path.
enum DecimalFastPath {
    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// The correctly rounded double, nil when the fast path does not apply.
    static func double(digits: UInt64, exponent: Int, negative: Bool) -> Double? {
        guard digits <= 1 << 53, exponent >= -22, exponent <= 22 else { return nil }
        let magnitude =
            exponent >= 0 ? Double(digits) * powersOfTen[exponent] : Double(digits) / powersOfTen[-exponent]
        return negative ? -magnitude : magnitude
    }

    /// The correctly rounded float, nil when the fast path does not apply or the double sits on a float midpoint.
    static func float(digits: UInt64, exponent: Int, negative: Bool) -> Float? {
        guard let value = double(digits: digits, exponent: exponent, negative: negative) else { return nil }
        let magnitude = abs(value)
        if magnitude == 0 { return Float(value) }
        guard magnitude >= Double(Float.leastNormalMagnitude), magnitude <= Double(Float.greatestFiniteMagnitude) else {
            return nil
        }
        // A float midpoint has a 1 right after the float's 24 significant bits and zeros below it.
        let lowBits = value.bitPattern & ((1 << 29) - 1)
        guard lowBits != 1 << 28 else { return nil }
        return Float(value)
    }
}
