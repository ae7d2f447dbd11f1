extension TextCursor {
    /// A numeric literal as onnx's lexer reads it, with its decimal digits and power of ten.
    struct NumberToken {
        var start: Int
        var end: Int
        var isNegative: Bool
        /// Written with a decimal point or an exponent.
        var isFloat: Bool
        /// Set for `inf`/`infinity` (any case).
        var isInfinity = false
        /// Set for `nan` (any case).
        var isNaN = false
        /// The significant digits as an integer, when they fit in 53 bits (`fits`).
        var digits: UInt64 = 0
        /// The power of ten that scales `digits`.
        var exponent = 0
        /// Whether `digits` and `exponent` hold the exact value.
        var fits = true
    }

    /// Scans `-`? then digits with at most one `.` and an optional exponent, or a special float word.
    ///
    /// One pass, without helper calls per character: weights of hundreds of megabytes go through here.
    mutating func numberToken(_ context: String) throws -> NumberToken {
        skipWhitespace()
        let start = position
        let count = bytes.count
        var token = NumberToken(start: start, end: start, isNegative: false, isFloat: false)
        if position < count && bytes[position] == 0x2D {  // -
            token.isNegative = true
            position += 1
        }
        if position < count && TextSyntax.isIdentifierStart(bytes[position]) {
            return try specialFloatToken(token, context)
        }
        guard position < count && bytes[position] &- 0x30 < 10 else {
            position = start
            throw error("expected \(context), found \(describeNext())")
        }
        // Locals, not stored properties, in the loop: debug builds pay for every access to `self`.
        guard let base = bytes.baseAddress else { throw error("expected \(context)") }
        var index = position
        var digits: UInt64 = 0
        var exponent = 0
        var fits = true
        var isFloat = false
        let digitLimit: UInt64 = (1 << 53) / 10
        while index < count {
            let byte = base[index]
            let digit = byte &- 0x30
            if digit < 10 {
                if digits < digitLimit {
                    digits = digits &* 10 &+ UInt64(digit)
                    if isFloat { exponent -= 1 }
                } else {
                    fits = false
                }
            } else if byte == 0x2E && !isFloat {  // .
                isFloat = true
            } else {
                break
            }
            index += 1
        }
        if index < count && (base[index] | 0x20) == 0x65 {  // e or E
            isFloat = true
            index += 1
            var exponentNegative = false
            if index < count && (base[index] == 0x2D || base[index] == 0x2B) {
                exponentNegative = base[index] == 0x2D
                index += 1
            }
            var written = 0
            while index < count && base[index] &- 0x30 < 10 {
                if written < 100_000 { written = written * 10 + Int(base[index] &- 0x30) } else { fits = false }
                index += 1
            }
            exponent += exponentNegative ? -written : written
        }
        position = index
        token.digits = digits
        token.exponent = exponent
        token.fits = fits
        token.isFloat = isFloat
        token.end = position
        return token
    }

    private mutating func specialFloatToken(_ partial: NumberToken, _ context: String) throws -> NumberToken {
        var token = partial
        let wordStart = position
        while position < bytes.count && TextSyntax.isIdentifierContinue(bytes[position]) { position += 1 }
        let word = String(decoding: UnsafeBufferPointer(rebasing: bytes[wordStart..<position]), as: UTF8.self)
        guard TextSyntax.isSpecialFloatWord(word) else {
            position = token.start
            throw error("expected \(context), found \(describeNext())")
        }
        token.isFloat = true
        token.isNaN = word.lowercased() == "nan"
        token.isInfinity = !token.isNaN
        token.end = position
        return token
    }

    /// The token's text.
    func text(of token: NumberToken) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[token.start..<token.end]), as: UTF8.self)
    }

    /// An integer literal that fits in Int64.
    mutating func integer(_ context: String) throws -> Int64 {
        let token = try numberToken(context)
        return try integerValue(of: token, context)
    }

    /// The magnitude of an integer token, nil if it overflows UInt64.
    func magnitude(of token: NumberToken) -> UInt64? {
        if token.fits { return token.digits }
        var value: UInt64 = 0
        for index in (token.start + (token.isNegative ? 1 : 0))..<token.end {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(bytes[index] &- 0x30))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        return value
    }

    mutating func integerValue(of token: NumberToken, _ context: String) throws -> Int64 {
        guard !token.isFloat else {
            throw error("expected \(context), found the float '\(text(of: token))'", at: token.start)
        }
        guard let magnitude = magnitude(of: token) else {
            throw error("integer '\(text(of: token))' is out of range", at: token.start)
        }
        if token.isNegative {
            guard magnitude <= UInt64(Int64.max) + 1 else {
                throw error("integer '\(text(of: token))' is out of range", at: token.start)
            }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else {
            throw error("integer '\(text(of: token))' is out of range", at: token.start)
        }
        return Int64(magnitude)
    }

    /// A non-negative integer literal that fits in UInt64.
    mutating func unsignedValue(of token: NumberToken, _ context: String) throws -> UInt64 {
        guard !token.isFloat, !token.isNegative, let magnitude = magnitude(of: token) else {
            throw error("expected \(context), found '\(text(of: token))'", at: token.start)
        }
        return magnitude
    }

    /// The token as a float, rounded once from the decimal text.
    mutating func floatValue(of token: NumberToken) throws -> Float {
        if token.isNaN || token.isInfinity {
            let value: Float = token.isNaN ? .nan : .infinity
            return token.isNegative ? -value : value
        }
        if token.fits,
            let value = DecimalFastPath.float(
                digits: token.digits, exponent: token.exponent, negative: token.isNegative)
        {
            return value
        }
        guard let value = Float(text(of: token)) else {
            throw error("'\(text(of: token))' is not a float", at: token.start)
        }
        return value
    }

    /// The token as a double, rounded once from the decimal text.
    mutating func doubleValue(of token: NumberToken) throws -> Double {
        if token.isNaN || token.isInfinity {
            let value: Double = token.isNaN ? .nan : .infinity
            return token.isNegative ? -value : value
        }
        if token.fits,
            let value = DecimalFastPath.double(
                digits: token.digits, exponent: token.exponent, negative: token.isNegative)
        {
            return value
        }
        guard let value = Double(text(of: token)) else {
            throw error("'\(text(of: token))' is not a number", at: token.start)
        }
        return value
    }
}
