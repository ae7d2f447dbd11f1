import Foundation

/// Reproducible pseudo-random bytes (SplitMix64), so a failing fuzz case can be rerun.
struct SeededBytes {
    private var state: UInt64

    /// Starts the sequence at `seed`.
    init(seed: UInt64) { state = seed }

    /// The next `count` bytes.
    mutating func next(_ count: Int) -> Data {
        var data = Data(capacity: count)
        while data.count < count {
            state &+= 0x9E37_79B9_7F4A_7C15
            var value = state
            value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
            value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
            value ^= value >> 31
            withUnsafeBytes(of: value) { data.append(contentsOf: $0.prefix(count - data.count)) }
        }
        return data
    }
}
