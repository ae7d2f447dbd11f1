import Foundation

/// Deterministic mutations of seed inputs, for fuzz tests that run in every `swift test`.
///
/// The mutations are those of coverage-guided fuzzers (bit flips, interesting bytes, cut, repeat and
/// splice) plus two aimed at the formats qdqc reads: numbers in text replaced by extreme values, and
/// protobuf varints made huge. A seed and a case number fix a mutant, so a failure names both and
/// reproduces on any machine. `QDQC_FUZZ_CASES` raises the number of cases for a longer run.
public struct SeededMutator {
    private var state: UInt64

    /// Starts the generator at `seed`.
    public init(seed: UInt64) { state = seed }

    /// How many cases a fuzz test runs: `QDQC_FUZZ_CASES` when set, else `defaultCount`.
    public static func caseCount(default defaultCount: Int) -> Int {
        guard let text = ProcessInfo.processInfo.environment["QDQC_FUZZ_CASES"], let count = Int(text), count > 0 else {
            return defaultCount
        }
        return count
    }

    /// The next 64 random bits (SplitMix64).
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// A number in `0..<bound` (`bound` > 0).
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// `bytes` changed by one to four random mutations; `others` are spliced from.
    public mutating func mutate(_ bytes: [UInt8], others: [[UInt8]] = []) -> [UInt8] {
        var result = bytes
        for _ in 0...below(4) { result = mutateOnce(result, others: others) }
        return result
    }

    /// `text` with one to three numbers replaced by extreme values, then byte-mutated half the time.
    public mutating func mutateText(_ text: String) -> String {
        var bytes = Array(text.utf8)
        for _ in 0...below(3) { bytes = replaceNumber(bytes) }
        if below(2) == 0 { bytes = mutateOnce(bytes, others: []) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let interestingBytes: [UInt8] = [0, 1, 0x7F, 0x80, 0xFF, 0x0A, 0x22, 0x7B, 0x7D]
    private static let extremeNumbers = [
        "0", "-1", "-9223372036854775808", "9223372036854775807", "4611686018427387904", "2147483648",
        "4294967296", "1e-38", "3.4e38", "1e309", "nan", "-0",
    ]

    private mutating func mutateOnce(_ bytes: [UInt8], others: [[UInt8]]) -> [UInt8] {
        var result = bytes
        guard !result.isEmpty else { return [UInt8(truncatingIfNeeded: next())] }
        let position = below(result.count)
        switch below(8) {
        case 0:
            result[position] ^= UInt8(1 << below(8))
        case 1:
            result[position] = Self.interestingBytes[below(Self.interestingBytes.count)]
        case 2:
            result.removeSubrange(position..<min(result.count, position + 1 + below(16)))
        case 3:
            let end = min(result.count, position + 1 + below(64))
            result.insert(contentsOf: result[position..<end], at: below(result.count))
        case 4:
            // A varint of 9 continuation bytes: a huge length, count or dimension in protobuf.
            result.insert(contentsOf: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x3F], at: position)
        case 5:
            result = Array(result.prefix(position))
        case 6:
            guard let other = others.isEmpty ? nil : others[below(others.count)], !other.isEmpty else {
                result[position] = UInt8(truncatingIfNeeded: next())
                break
            }
            let start = below(other.count)
            result.insert(contentsOf: other[start..<min(other.count, start + 1 + below(256))], at: position)
        default:
            result[position] = UInt8(truncatingIfNeeded: next())
        }
        return result
    }

    /// Replaces the digits around a random position (if any) with an extreme number.
    private mutating func replaceNumber(_ bytes: [UInt8]) -> [UInt8] {
        let digits = bytes.indices.filter { bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }
        guard !digits.isEmpty else { return bytes }
        var start = digits[below(digits.count)]
        var end = start + 1
        while start > 0, bytes[start - 1] >= 0x30 && bytes[start - 1] <= 0x39 { start -= 1 }
        while end < bytes.count, bytes[end] >= 0x30 && bytes[end] <= 0x39 { end += 1 }
        var result = bytes
        result.replaceSubrange(start..<end, with: Array(Self.extremeNumbers[below(Self.extremeNumbers.count)].utf8))
        return result
    }
}
