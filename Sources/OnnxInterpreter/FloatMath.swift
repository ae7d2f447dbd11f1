import Foundation

/// The libm functions the float kernels need, for Float and Double alike.
protocol FloatMath: BinaryFloatingPoint, NumericElement {
    static func exp(_ x: Self) -> Self
    static func expm1(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    static func sqrt(_ x: Self) -> Self
    static func sin(_ x: Self) -> Self
    static func cos(_ x: Self) -> Self
    static func tan(_ x: Self) -> Self
    static func asin(_ x: Self) -> Self
    static func acos(_ x: Self) -> Self
    static func atan(_ x: Self) -> Self
    static func sinh(_ x: Self) -> Self
    static func cosh(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func asinh(_ x: Self) -> Self
    static func acosh(_ x: Self) -> Self
    static func atanh(_ x: Self) -> Self
    static func erf(_ x: Self) -> Self
    static func pow(_ x: Self, _ y: Self) -> Self
}

extension Float: FloatMath {
    @inline(__always) static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    @inline(__always) static func expm1(_ x: Float) -> Float { Foundation.expm1(x) }
    @inline(__always) static func log(_ x: Float) -> Float { Foundation.log(x) }
    @inline(__always) static func log1p(_ x: Float) -> Float { Foundation.log1p(x) }
    @inline(__always) static func sqrt(_ x: Float) -> Float { x.squareRoot() }
    @inline(__always) static func sin(_ x: Float) -> Float { Foundation.sin(x) }
    @inline(__always) static func cos(_ x: Float) -> Float { Foundation.cos(x) }
    @inline(__always) static func tan(_ x: Float) -> Float { Foundation.tan(x) }
    @inline(__always) static func asin(_ x: Float) -> Float { Foundation.asin(x) }
    @inline(__always) static func acos(_ x: Float) -> Float { Foundation.acos(x) }
    @inline(__always) static func atan(_ x: Float) -> Float { Foundation.atan(x) }
    @inline(__always) static func sinh(_ x: Float) -> Float { Foundation.sinh(x) }
    @inline(__always) static func cosh(_ x: Float) -> Float { Foundation.cosh(x) }
    @inline(__always) static func tanh(_ x: Float) -> Float { FastTanh.evaluate(x) }
    @inline(__always) static func asinh(_ x: Float) -> Float { Foundation.asinh(x) }
    @inline(__always) static func acosh(_ x: Float) -> Float { Foundation.acosh(x) }
    @inline(__always) static func atanh(_ x: Float) -> Float { Foundation.atanh(x) }
    @inline(__always) static func erf(_ x: Float) -> Float { Foundation.erf(x) }
    @inline(__always) static func pow(_ x: Float, _ y: Float) -> Float { Foundation.pow(x, y) }
}

extension Double: FloatMath {
    @inline(__always) static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    @inline(__always) static func expm1(_ x: Double) -> Double { Foundation.expm1(x) }
    @inline(__always) static func log(_ x: Double) -> Double { Foundation.log(x) }
    @inline(__always) static func log1p(_ x: Double) -> Double { Foundation.log1p(x) }
    @inline(__always) static func sqrt(_ x: Double) -> Double { x.squareRoot() }
    @inline(__always) static func sin(_ x: Double) -> Double { Foundation.sin(x) }
    @inline(__always) static func cos(_ x: Double) -> Double { Foundation.cos(x) }
    @inline(__always) static func tan(_ x: Double) -> Double { Foundation.tan(x) }
    @inline(__always) static func asin(_ x: Double) -> Double { Foundation.asin(x) }
    @inline(__always) static func acos(_ x: Double) -> Double { Foundation.acos(x) }
    @inline(__always) static func atan(_ x: Double) -> Double { Foundation.atan(x) }
    @inline(__always) static func sinh(_ x: Double) -> Double { Foundation.sinh(x) }
    @inline(__always) static func cosh(_ x: Double) -> Double { Foundation.cosh(x) }
    @inline(__always) static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
    @inline(__always) static func asinh(_ x: Double) -> Double { Foundation.asinh(x) }
    @inline(__always) static func acosh(_ x: Double) -> Double { Foundation.acosh(x) }
    @inline(__always) static func atanh(_ x: Double) -> Double { Foundation.atanh(x) }
    @inline(__always) static func erf(_ x: Double) -> Double { Foundation.erf(x) }
    @inline(__always) static func pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
}
