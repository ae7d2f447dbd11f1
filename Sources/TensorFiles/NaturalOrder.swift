/// Orders names the way people number files: `set_2` before `set_10`; ties fall back to plain byte order.
enum NaturalOrder {
    /// `names` sorted naturally; deterministic for any input.
    static func sorted(_ names: [String]) -> [String] {
        names.sorted { lhs, rhs in
            let order = compare(Array(lhs.utf8), Array(rhs.utf8))
            return order != 0 ? order < 0 : lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
        }
    }

    /// -1, 0 or 1: runs of digits compare by value, everything else byte by byte.
    private static func compare(_ lhs: [UInt8], _ rhs: [UInt8]) -> Int {
        var left = 0
        var right = 0
        while left < lhs.count && right < rhs.count {
            if isDigit(lhs[left]) && isDigit(rhs[right]) {
                let leftEnd = digitRunEnd(lhs, from: left)
                let rightEnd = digitRunEnd(rhs, from: right)
                let leftDigits = lhs[left..<leftEnd].drop { $0 == UInt8(ascii: "0") }
                let rightDigits = rhs[right..<rightEnd].drop { $0 == UInt8(ascii: "0") }
                if leftDigits.count != rightDigits.count { return leftDigits.count < rightDigits.count ? -1 : 1 }
                if !leftDigits.elementsEqual(rightDigits) {
                    return leftDigits.lexicographicallyPrecedes(rightDigits) ? -1 : 1
                }
                left = leftEnd
                right = rightEnd
            } else {
                if lhs[left] != rhs[right] { return lhs[left] < rhs[right] ? -1 : 1 }
                left += 1
                right += 1
            }
        }
        return (lhs.count - left).signum() - (rhs.count - right).signum()
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func digitRunEnd(_ bytes: [UInt8], from start: Int) -> Int {
        var end = start
        while end < bytes.count && isDigit(bytes[end]) { end += 1 }
        return end
    }
}
