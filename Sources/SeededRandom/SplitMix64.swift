import Foundation

/// A small seeded random number generator (SplitMix64), so `--calib-random` inputs, the rows
/// `smooth-quant` samples and test data are the same on every run and machine.
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    /// Starts the sequence for `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    /// A float uniformly distributed in [0, 1), from the top 24 bits.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A number in `0..<bound` (bound > 0); the modulo bias is negligible for the bounds used here.
    public mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }

    /// One standard normal float (Box–Muller in double precision, one draw per value).
    public mutating func normal() -> Float {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let u2 = Double.random(in: 0..<1, using: &self)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// `count` standard normal floats (Box–Muller in single precision, both values of each draw).
    public mutating func normals(_ count: Int) -> [Float] {
        var values: [Float] = []
        values.reserveCapacity(count)
        while values.count < count {
            let radius = (-2 * log(1 - nextUnitFloat())).squareRoot()
            let angle = 2 * Float.pi * nextUnitFloat()
            values.append(radius * cos(angle))
            if values.count < count { values.append(radius * sin(angle)) }
        }
        return values
    }
}
