import OnnxIR
import OnnxInterpreter
import Testing

@Suite struct ArithmeticKernelTests {
    @Test func addBroadcastsRowAgainstColumn() throws {
        let y = try SingleNode.run1("Add", [Arrays.f([1, 2, 3], [1, 3]), Arrays.f([10, 20], [2, 1])])
        #expect(y.shape == [2, 3])
        #expect(try y.floatValues() == [11, 12, 13, 21, 22, 23])
    }

    @Test func subMulDivWithScalar() throws {
        let x = try Arrays.f([2, 4, 6], [3])
        let two = try Arrays.f([2], [])
        #expect(try SingleNode.run1("Sub", [x, two]).floatValues() == [0, 2, 4])
        #expect(try SingleNode.run1("Mul", [x, two]).floatValues() == [4, 8, 12])
        #expect(try SingleNode.run1("Div", [two, x]).floatValues() == [1, 0.5, Float(2) / 6])
    }

    @Test func integerAddWrapsAround() throws {
        let y = try SingleNode.run1("Add", [Arrays.i8([127, -128], [2]), Arrays.i8([1, -1], [2])])
        #expect(try y.elements(as: Int8.self) == [-128, 127])
    }

    @Test func integerDivisionTruncatesTowardZero() throws {
        let y = try SingleNode.run1("Div", [Arrays.i32([7, -7, 7, -7], [4]), Arrays.i32([2, 2, -2, -2], [4])])
        #expect(try y.elements(as: Int32.self) == [3, -3, -3, 3])
    }

    @Test func integerDivisionByZeroIsAnErrorNamingTheDivisor() throws {
        #expect {
            try SingleNode.run1("Div", [Arrays.i64([1, 2], [2]), Arrays.i64([1, 0], [2])])
        } throws: { error in
            "\(error)".contains("division by zero") && "\(error)".contains("'x1'") && "\(error)".contains("node_Div")
        }
    }

    @Test func modFollowsTheDivisorSignUnlessFmod() throws {
        let a = try Arrays.i32([5, -5, 5, -5], [4])
        let b = try Arrays.i32([3, 3, -3, -3], [4])
        #expect(try SingleNode.run1("Mod", [a, b]).elements(as: Int32.self) == [2, 1, -1, -2])
        let fmod = try SingleNode.run1("Mod", [a, b], attributes: [.int("fmod", 1)])
        #expect(try fmod.elements(as: Int32.self) == [2, -2, 2, -2])
        let floats = try SingleNode.run1(
            "Mod", [Arrays.f([5.5, -5.5], [2]), Arrays.f([2, 2], [2])], attributes: [.int("fmod", 1)])
        #expect(try floats.floatValues() == [1.5, -1.5])
    }

    @Test func powWithIntegerExponentOnFloatBase() throws {
        let y = try SingleNode.run1("Pow", [Arrays.f([2, 3, -2], [3]), Arrays.i64([3, 2, 2], [3])])
        #expect(y.dataType == .float)
        #expect(try y.floatValues() == [8, 9, 4])
    }

    @Test func variadicMaxMinSumMean() throws {
        let a = try Arrays.f([1, 5, 3], [3])
        let b = try Arrays.f([4, 2, 6], [3])
        let c = try Arrays.f([0], [1])
        #expect(try SingleNode.run1("Max", [a, b, c]).floatValues() == [4, 5, 6])
        #expect(try SingleNode.run1("Min", [a, b, c]).floatValues() == [0, 0, 0])
        #expect(try SingleNode.run1("Sum", [a, b, c]).floatValues() == [5, 7, 9])
        #expect(try SingleNode.run1("Mean", [a, b, c]).floatValues() == [5.0 / 3, 7.0 / 3, 3])
    }

    @Test func maxPropagatesNaN() throws {
        let y = try SingleNode.run1("Max", [Arrays.f([.nan, 1], [2]), Arrays.f([0, 2], [2])])
        let values = try y.floatValues()
        #expect(values[0].isNaN && values[1] == 2)
    }

    @Test func preluUsesBroadcastSlope() throws {
        let y = try SingleNode.run1("PRelu", [Arrays.f([-2, 2, -4, 4], [2, 2]), Arrays.f([0.5, 0.25], [2])])
        #expect(try y.floatValues() == [-1, 2, -2, 4])
    }

    @Test func incompatibleShapesAreAnError() throws {
        #expect(throws: InterpreterError.self) {
            try SingleNode.run1("Add", [Arrays.f([1, 2, 3], [3]), Arrays.f([1, 2], [2])])
        }
    }

    @Test func largeBroadcastUsesEveryElement() throws {
        let count = 1 << 16
        let a = try Arrays.f((0..<count).map { Float($0) }, [count / 64, 64])
        let b = try Arrays.f((0..<64).map { Float($0) }, [64])
        let y = try SingleNode.run1("Add", [a, b]).floatValues()
        #expect(y.count == count)
        #expect(y[0] == 0 && y[65] == 66 && y[count - 1] == Float(count - 1 + 63))
    }
}
