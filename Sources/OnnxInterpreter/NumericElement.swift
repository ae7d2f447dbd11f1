import Foundation
import OnnxIR

/// A Swift type that stores one element of a numeric ONNX type, with ONNX's arithmetic on it.
///
/// Integers wrap around on overflow (numpy's behaviour, which ONNX's reference follows);
/// floating-point types follow IEEE 754.
protocol NumericElement: Comparable {
    /// The ONNX element type this Swift type stores.
    static var dataType: DataType { get }
    /// Whether this is a floating-point type.
    static var isFloatingPoint: Bool { get }
    /// Zero.
    static var zeroValue: Self { get }
    /// One.
    static var oneValue: Self { get }
    /// The smallest value (negative infinity for floats), the identity of max.
    static var lowest: Self { get }
    /// The largest value (infinity for floats), the identity of min.
    static var highest: Self { get }
    /// `a + b`.
    static func add(_ a: Self, _ b: Self) -> Self
    /// `a - b`.
    static func subtract(_ a: Self, _ b: Self) -> Self
    /// `a * b`.
    static func multiply(_ a: Self, _ b: Self) -> Self
    /// `a / b`; integers truncate toward zero, and the caller has ruled out a zero divisor.
    static func divide(_ a: Self, _ b: Self) -> Self
    /// The remainder: with `fmod`, the sign of `a` (C's fmod); without, the sign of `b` (Python's %).
    static func modulo(_ a: Self, _ b: Self, fmod: Bool) -> Self
    /// `a` to the power `b`.
    static func power(_ a: Self, _ b: Self) -> Self
    /// The larger, NaN if either is NaN.
    static func maximum(_ a: Self, _ b: Self) -> Self
    /// The smaller, NaN if either is NaN.
    static func minimum(_ a: Self, _ b: Self) -> Self
    /// `-a` (wrapping for integers).
    static func negate(_ a: Self) -> Self
    /// `|a|` (wrapping for the most negative integer).
    static func absolute(_ a: Self) -> Self
    /// -1, 0 or 1 (NaN for NaN).
    static func signum(_ a: Self) -> Self
    /// Whether the value is zero.
    var isZeroValue: Bool { get }
    /// Whether the value is NaN.
    var isNaNValue: Bool { get }
    /// The value as a Double (exact for every type but the 64-bit integers).
    var doubleValue: Double { get }
    /// The value nearest to `double` (integers: truncated toward zero and clamped, NaN to zero).
    init(converting double: Double)
    /// Cast from an integer: floats round to nearest, integers keep the low bits (two's complement).
    init<I: BinaryInteger>(integer: I)
    /// Cast from a float: floats round to nearest even, integers truncate toward zero; out of range
    /// or NaN gives what x86 (and so numpy) gives, the most negative 32- or 64-bit integer's low bits.
    init<F: BinaryFloatingPoint>(floatingPoint: F)
    /// Integers: the two's complement bits widened to 64 (zero-extended for unsigned); floats: 0.
    var bitPattern64: Int64 { get }
    /// This value cast to `U` as ONNX's Cast does.
    func converted<U: NumericElement>(to type: U.Type) -> U
}

extension NumericElement where Self: FixedWidthInteger {
    static var isFloatingPoint: Bool { false }
    static var zeroValue: Self { 0 }
    static var oneValue: Self { 1 }
    static var lowest: Self { Self.min }
    static var highest: Self { Self.max }
    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self { a &+ b }
    @inline(__always) static func subtract(_ a: Self, _ b: Self) -> Self { a &- b }
    @inline(__always) static func multiply(_ a: Self, _ b: Self) -> Self { a &* b }
    @inline(__always) static func divide(_ a: Self, _ b: Self) -> Self {
        b == 0 ? 0 : a.dividedReportingOverflow(by: b).partialValue
    }
    @inline(__always) static func modulo(_ a: Self, _ b: Self, fmod: Bool) -> Self {
        guard b != 0 else { return 0 }
        let remainder = a.remainderReportingOverflow(dividingBy: b).partialValue
        if fmod || remainder == 0 || (remainder < 0) == (b < 0) { return remainder }
        return remainder &+ b
    }
    static func power(_ a: Self, _ b: Self) -> Self {
        if b < 0 {
            if a == 1 { return 1 }
            if Self.isSigned && a == 0 &- 1 { return b & 1 == 0 ? 1 : a }
            return 0
        }
        var result: Self = 1
        var base = a
        var exponent = b
        while exponent > 0 {
            if exponent & 1 == 1 { result = result &* base }
            base = base &* base
            exponent >>= 1
        }
        return result
    }
    @inline(__always) static func maximum(_ a: Self, _ b: Self) -> Self { a > b ? a : b }
    @inline(__always) static func minimum(_ a: Self, _ b: Self) -> Self { a < b ? a : b }
    @inline(__always) static func negate(_ a: Self) -> Self { 0 &- a }
    @inline(__always) static func absolute(_ a: Self) -> Self { a < 0 ? 0 &- a : a }
    @inline(__always) static func signum(_ a: Self) -> Self { a > 0 ? 1 : (a == 0 ? 0 : 0 &- 1) }
    var isZeroValue: Bool { self == 0 }
    var isNaNValue: Bool { false }
    var doubleValue: Double { Double(self) }
    init(converting double: Double) {
        if double.isNaN {
            self = 0
        } else if double <= Double(Self.min) {
            self = Self.min
        } else if double >= Double(Self.max) {
            self = Self.max
        } else {
            self = Self(double)
        }
    }
    @inline(__always) init<I: BinaryInteger>(integer: I) { self = Self(truncatingIfNeeded: integer) }
    init<F: BinaryFloatingPoint>(floatingPoint value: F) {
        if Self.self == UInt64.self, value >= 0x1p63, value < 0x1p64 {
            self = Self(truncatingIfNeeded: UInt64(value))
        } else if Self.bitWidth == 64 || Self.self == UInt32.self {
            let inRange = !value.isNaN && value > -0x1p63 - 1 && value < 0x1p63
            self = Self(truncatingIfNeeded: inRange ? Int64(value) : Int64.min)
        } else {
            let inRange = !value.isNaN && value > -0x1p31 - 1 && value < 0x1p31
            self = Self(truncatingIfNeeded: inRange ? Int32(value) : Int32.min)
        }
    }
    @inline(__always) func converted<U: NumericElement>(to type: U.Type) -> U { U(integer: self) }
    @inline(__always) var bitPattern64: Int64 { Int64(truncatingIfNeeded: self) }
}

extension NumericElement where Self: BinaryFloatingPoint {
    static var isFloatingPoint: Bool { true }
    static var zeroValue: Self { 0 }
    static var oneValue: Self { 1 }
    static var lowest: Self { -Self.infinity }
    static var highest: Self { Self.infinity }
    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self { a + b }
    @inline(__always) static func subtract(_ a: Self, _ b: Self) -> Self { a - b }
    @inline(__always) static func multiply(_ a: Self, _ b: Self) -> Self { a * b }
    @inline(__always) static func divide(_ a: Self, _ b: Self) -> Self { a / b }
    static func modulo(_ a: Self, _ b: Self, fmod: Bool) -> Self {
        let remainder = Foundation.fmod(Double(a), Double(b))
        if fmod || remainder == 0 || remainder.isNaN || (remainder < 0) == (b < 0) { return Self(remainder) }
        return Self(remainder + Double(b))
    }
    @inline(__always) static func power(_ a: Self, _ b: Self) -> Self {
        if b == 2 { return a * a }
        return Self(Foundation.pow(Double(a), Double(b)))
    }
    @inline(__always) static func maximum(_ a: Self, _ b: Self) -> Self {
        a.isNaN || b.isNaN ? Self.nan : (a > b ? a : b)
    }
    @inline(__always) static func minimum(_ a: Self, _ b: Self) -> Self {
        a.isNaN || b.isNaN ? Self.nan : (a < b ? a : b)
    }
    @inline(__always) static func negate(_ a: Self) -> Self { -a }
    @inline(__always) static func absolute(_ a: Self) -> Self { Swift.abs(a) }
    @inline(__always) static func signum(_ a: Self) -> Self { a > 0 ? 1 : (a < 0 ? -1 : (a.isNaN ? a : 0)) }
    var isZeroValue: Bool { self == 0 }
    var isNaNValue: Bool { isNaN }
    var doubleValue: Double { Double(self) }
    init(converting double: Double) { self = Self(double) }
    @inline(__always) init<I: BinaryInteger>(integer: I) { self = Self(integer) }
    @inline(__always) init<F: BinaryFloatingPoint>(floatingPoint value: F) { self = Self(value) }
    @inline(__always) func converted<U: NumericElement>(to type: U.Type) -> U { U(floatingPoint: self) }
    var bitPattern64: Int64 { 0 }
}
