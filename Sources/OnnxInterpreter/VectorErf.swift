import CVectorMath
import Foundation

/// glibc's `erff` over a buffer, with glibc's results bit for bit, in loops the compiler vectorizes.
///
/// glibc (2.36 on this machine; the tests fail on a C library that differs) computes `erff` with
/// Sun's fdlibm algorithm in float arithmetic: a rational function of `x²` below |x| = 0.84375,
/// one of `|x| - 1` up to 1.25, two `expf` calls up to 6 and ±1 beyond. One call per element,
/// with branches on the range that mispredict on activations, was 8–16% of the transformers' run
/// time (Gelu and Erf). Here both rational functions below 1.25 (the same float operations, in
/// the same order) run over the whole chunk in a branch-free loop and each element takes its own
/// range's value; the elements at or above 1.25 are packed together and get erfc's rational
/// function and the two `expf` (through `VectorExp`, also glibc's results bit for bit) in loops
/// of their own. NaN and infinities go to glibc's `erff`. `VectorErfTests` compares with `erff`
/// over a dense grid; the exhaustive comparison (all 2^32 inputs) is recorded in
/// docs/benchmarks.md.
enum VectorErf {
    /// Elements per pass; a pass's inputs are copied aside, so `source` may equal `target`.
    static let chunk = 512

    /// `target[i] = erff(source[i])` for `i < count`; `source` may equal `target`.
    static func apply(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, count: Int) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * chunk) { scratch in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: chunk) { indices in
                guard let copy = scratch.baseAddress, let farIndex = indices.baseAddress else { return }
                let far = copy + chunk
                let square = copy + 2 * chunk
                let argument = copy + 3 * chunk
                var start = 0
                while start < count {
                    let length = min(chunk, count - start)
                    copy.update(from: source + start, count: length)
                    near(copy, target + start, count: length)
                    // The elements at or above 1.25 in magnitude (or NaN), packed without branches.
                    var farCount = 0
                    for index in 0..<length {
                        farIndex[farCount] = Int32(truncatingIfNeeded: index)
                        farCount += Swift.abs(copy[index]) < 1.25 ? 0 : 1
                    }
                    if farCount > 0 {
                        for slot in 0..<farCount { far[slot] = copy[Int(farIndex[slot])] }
                        tailArguments(far, square, argument, count: farCount)
                        VectorExp.apply(square, square, count: farCount)
                        VectorExp.apply(argument, argument, count: farCount)
                        for slot in 0..<farCount {
                            let x = far[slot]
                            let a = Swift.abs(x)
                            let position = start + Int(farIndex[slot])
                            if !a.isFinite {
                                target[position] = Foundation.erf(x)
                            } else if a >= 6 {
                                // 1 - 1e-30 and 1e-30 - 1, which round to ±1.
                                target[position] = x > 0 ? 1 : -1
                            } else {
                                let ratio = square[slot] * argument[slot] / a
                                target[position] = x >= 0 ? 1 - ratio : ratio - 1
                            }
                        }
                    }
                    start += length
                }
            }
        }
    }

    /// erff of every element below 1.25 in magnitude (other elements get a value replaced later).
    @inline(never)
    private static func near(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, count: Int) {
        // The same operations sixteen or eight lanes wide (VectorErf.c); this loop does the rest.
        let done = qdqc_erf_near_f32(source, target, count)
        for index in done..<count {
            let x = source[index]
            let a = Swift.abs(x)
            let z = x * x
            let small = x + x * (pp(z) / qq(z))
            let s = a - 1
            let quotient = pa(s) / qa(s)
            let middle = x >= 0 ? erx + quotient : -erx - quotient
            var result = a < Float(bitPattern: 0x3f58_0000) ? small : middle
            result = a < Float(bitPattern: 0x3180_0000) ? x + efx * x : result
            result = a < Float(bitPattern: 0x0400_0000) ? 0.0625 * (16 * x + (16 * efx) * x) : result
            target[index] = result
        }
    }

    /// The two `expf` arguments of the 1.25…6 range, for every element: `-z² - 0.5625` and
    /// `(z - |x|)(z + |x|) + R/S`, with `z` the magnitude cut to 11 fraction bits and `R/S` erfc's
    /// rational function of `1/x²`.
    @inline(never)
    private static func tailArguments(
        _ source: UnsafePointer<Float>, _ square: UnsafeMutablePointer<Float>,
        _ argument: UnsafeMutablePointer<Float>, count: Int
    ) {
        for index in 0..<count {
            let bits = source[index].bitPattern & 0x7fff_ffff
            let a = Float(bitPattern: bits)
            let s = 1 / (a * a)
            let first = a < Float(bitPattern: 0x4036_db6e)
            let numerator = first ? ra(s) : rb(s)
            let denominator = first ? sa(s) : sb(s)
            let z = Float(bitPattern: bits & 0x7fff_f000)
            square[index] = -z * z - 0.5625
            argument[index] = (z - a) * (z + a) + numerator / denominator
        }
    }

    // fdlibm's coefficients, by their bit patterns. Each polynomial is written out: a loop over
    // a coefficient table (an array, or a SIMD8 of bit patterns) kept the compiler from turning
    // them into constants inside the vectorized loops and ran 3-10 times slower.
    private static let efx = Float(bitPattern: 0x3e03_75d4)
    private static let erx = Float(bitPattern: 0x3f58_560b)

    /// `pp0 + t·(… + t·pp4)`.
    @inline(__always)
    private static func pp(_ t: Float) -> Float {
        var value = Float(bitPattern: 0xb7c7_56b1)
        value = Float(bitPattern: 0xbbbd_1489) + t * value
        value = Float(bitPattern: 0xbce9_528f) + t * value
        value = Float(bitPattern: 0xbea6_6beb) + t * value
        value = Float(bitPattern: 0x3e03_75d4) + t * value
        return value
    }

    /// `1 + t·(qq1 + t·(… + t·qq5))`.
    @inline(__always)
    private static func qq(_ t: Float) -> Float {
        var value = Float(bitPattern: 0xb684_e21a)
        value = Float(bitPattern: 0x390a_ee49) + t * value
        value = Float(bitPattern: 0x3ba6_8116) + t * value
        value = Float(bitPattern: 0x3d85_2a63) + t * value
        value = Float(bitPattern: 0x3ecb_bbce) + t * value
        return 1 + t * value
    }

    /// `pa0 + t·(… + t·pa6)`.
    @inline(__always)
    private static func pa(_ t: Float) -> Float {
        var value = Float(bitPattern: 0xbb0d_f9c0)
        value = Float(bitPattern: 0x3d11_51b3) + t * value
        value = Float(bitPattern: 0xbde3_1cc2) + t * value
        value = Float(bitPattern: 0x3ea2_fe54) + t * value
        value = Float(bitPattern: 0xbebe_9208) + t * value
        value = Float(bitPattern: 0x3ed4_6805) + t * value
        value = Float(bitPattern: 0xbb1a_cdc6) + t * value
        return value
    }

    /// `1 + t·(qa1 + t·(… + t·qa6))`.
    @inline(__always)
    private static func qa(_ t: Float) -> Float {
        var value = Float(bitPattern: 0x3c44_5aa3)
        value = Float(bitPattern: 0x3c5f_6e13) + t * value
        value = Float(bitPattern: 0x3e01_3307) + t * value
        value = Float(bitPattern: 0x3d93_1ae7) + t * value
        value = Float(bitPattern: 0x3f0a_5785) + t * value
        value = Float(bitPattern: 0x3dd9_f331) + t * value
        return 1 + t * value
    }

    /// `ra0 + t·(… + t·ra7)`.
    @inline(__always)
    private static func ra(_ t: Float) -> Float {
        var value = Float(bitPattern: 0xc11d_077e)
        value = Float(bitPattern: 0xc2a2_932b) + t * value
        value = Float(bitPattern: 0xc338_9ae7) + t * value
        value = Float(bitPattern: 0xc322_658c) + t * value
        value = Float(bitPattern: 0xc279_8057) + t * value
        value = Float(bitPattern: 0xc128_f022) + t * value
        value = Float(bitPattern: 0xbf31_a0b7) + t * value
        value = Float(bitPattern: 0xbc21_a093) + t * value
        return value
    }

    /// `1 + t·(sa1 + t·(… + t·sa8))`.
    @inline(__always)
    private static func sa(_ t: Float) -> Float {
        var value = Float(bitPattern: 0xbd77_7f97)
        value = Float(bitPattern: 0x40d2_3f7c) + t * value
        value = Float(bitPattern: 0x42d9_451f) + t * value
        value = Float(bitPattern: 0x43d6_810b) + t * value
        value = Float(bitPattern: 0x4421_58c9) + t * value
        value = Float(bitPattern: 0x43d9_486f) + t * value
        value = Float(bitPattern: 0x4309_a863) + t * value
        value = Float(bitPattern: 0x419d_35ce) + t * value
        return 1 + t * value
    }

    /// `rb0 + t·(… + t·rb6)`.
    @inline(__always)
    private static func rb(_ t: Float) -> Float {
        var value = Float(bitPattern: 0xc3f1_c275)
        value = Float(bitPattern: 0xc480_230b) + t * value
        value = Float(bitPattern: 0xc41f_6441) + t * value
        value = Float(bitPattern: 0xc320_a2ea) + t * value
        value = Float(bitPattern: 0xc18e_104b) + t * value
        value = Float(bitPattern: 0xbf4c_9dd4) + t * value
        value = Float(bitPattern: 0xbc21_a092) + t * value
        return value
    }

    /// `1 + t·(sb1 + t·(… + t·sb7))`.
    @inline(__always)
    private static func sb(_ t: Float) -> Float {
        var value = Float(bitPattern: 0xc1b3_8712)
        value = Float(bitPattern: 0x43ed_43a7) + t * value
        value = Float(bitPattern: 0x451f_90ce) + t * value
        value = Float(bitPattern: 0x4547_fdbb) + t * value
        value = Float(bitPattern: 0x44c0_1759) + t * value
        value = Float(bitPattern: 0x43a2_e571) + t * value
        value = Float(bitPattern: 0x41f2_b459) + t * value
        return 1 + t * value
    }
}
