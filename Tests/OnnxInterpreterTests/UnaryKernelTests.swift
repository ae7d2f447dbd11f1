import Foundation
import OnnxIR
import OnnxInterpreter
import Testing

@Suite struct UnaryKernelTests {
    @Test func reluLeakyReluAndClip() throws {
        let x = try Arrays.f([-2, -0.5, 0, 3], [4])
        #expect(try SingleNode.run1("Relu", [x]).floatValues() == [0, 0, 0, 3])
        #expect(
            try SingleNode.run1("LeakyRelu", [x], attributes: [.float("alpha", 0.5)]).floatValues() == [
                -1, -0.25, 0, 3,
            ])
        let clipped = try SingleNode.run1("Clip", [x, Arrays.f([-1], []), Arrays.f([1], [])])
        #expect(try clipped.floatValues() == [-1, -0.5, 0, 1])
    }

    @Test func clipTakesAttributesBeforeOpset11() throws {
        let x = try Arrays.f([-2, 0.5, 3], [3])
        let y = try SingleNode.run1("Clip", [x], attributes: [.float("min", 0), .float("max", 1)], opset: 6)
        #expect(try y.floatValues() == [0, 0.5, 1])
    }

    @Test func clipWithOnlyAMaximumAndIntegers() throws {
        let y = try SingleNode.run1("Clip", [Arrays.i32([-5, 5, 50], [3]), nil, Arrays.i32([10], [])])
        #expect(try y.elements(as: Int32.self) == [-5, 5, 10])
    }

    @Test func roundIsHalfToEven() throws {
        let y = try SingleNode.run1("Round", [Arrays.f([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6], [7])])
        #expect(try y.floatValues() == [0, 2, 2, -0, -2, 2, 3])
    }

    @Test func sigmoidHardSigmoidHardSwish() throws {
        let x = try Arrays.f([-4, 0, 1, 4], [4])
        let sigmoid = try SingleNode.run1("Sigmoid", [x]).floatValues()
        #expect(
            zip(sigmoid, [-4, 0, 1, 4].map { 1 / (1 + Foundation.exp(-Float($0))) }).allSatisfy { abs($0 - $1) < 1e-6 })
        let hard = try SingleNode.run1("HardSigmoid", [x], attributes: [.float("alpha", 0.2), .float("beta", 0.5)])
        #expect(try hard.floatValues() == [0, 0.5, 0.7, 1].map { Float($0) })
        let swish = try SingleNode.run1("HardSwish", [x]).floatValues()
        #expect(zip(swish, [0, 0, Float(1) * (1.0 / 6 + 0.5), 4]).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func geluExactAndTanh() throws {
        let x = try Arrays.f([-1, 0, 1], [3])
        let exact = try SingleNode.run1("Gelu", [x]).floatValues()
        #expect(abs(exact[2] - 0.8413447) < 1e-6 && abs(exact[0] + 0.1586553) < 1e-6 && exact[1] == 0)
        let approximate = try SingleNode.run1("Gelu", [x], attributes: [.string("approximate", "tanh")]).floatValues()
        #expect(abs(approximate[2] - 0.8411920) < 1e-6)
    }

    @Test func mathFunctions() throws {
        let x = try Arrays.f([1, 4], [2])
        #expect(try SingleNode.run1("Sqrt", [x]).floatValues() == [1, 2])
        #expect(try SingleNode.run1("Reciprocal", [x]).floatValues() == [1, 0.25])
        #expect(try SingleNode.run1("Log", [x]).floatValues() == [0, Foundation.log(Float(4))])
        #expect(try SingleNode.run1("Exp", [Arrays.f([0], [1])]).floatValues() == [1])
        #expect(try SingleNode.run1("Floor", [Arrays.f([-1.5, 1.5], [2])]).floatValues() == [-2, 1])
        #expect(try SingleNode.run1("Ceil", [Arrays.f([-1.5, 1.5], [2])]).floatValues() == [-1, 2])
        #expect(abs(try SingleNode.run1("Erf", [Arrays.f([1], [1])]).floatValues()[0] - 0.8427008) < 1e-6)
        #expect(try SingleNode.run1("Tanh", [Arrays.f([0], [1])]).floatValues() == [0])
    }

    @Test func absNegSignOnIntegers() throws {
        let x = try Arrays.i64([-3, 0, 5], [3])
        #expect(try SingleNode.run1("Abs", [x]).int64Values() == [3, 0, 5])
        #expect(try SingleNode.run1("Neg", [x]).int64Values() == [3, 0, -5])
        #expect(try SingleNode.run1("Sign", [x]).int64Values() == [-1, 0, 1])
    }

    @Test func floatFunctionsRejectIntegersWithTheirType() throws {
        #expect {
            try SingleNode.run1("Sqrt", [Arrays.i64([4], [1])])
        } throws: { error in
            guard case InterpreterError.unsupportedDataType(let node, _, let reason) = error else { return false }
            return node == "node_Sqrt" && reason.contains("int64")
        }
    }

    @Test func float16IsComputedAndRoundedBack() throws {
        let x = try NDArray([Float16(2), Float16(9)].map(\.bitPattern), dataType: .float16, shape: [2])
        let y = try SingleNode.run1("Sqrt", [x])
        #expect(y.dataType == .float16)
        #expect(try y.floatValues() == [Float(Float16(2).squareRoot()), 3])
    }

    @Test func logicalAndComparisons() throws {
        let a = try Arrays.bool([true, true, false, false], [4])
        let b = try Arrays.bool([true, false, true, false], [4])
        #expect(try SingleNode.run1("And", [a, b]).int64Values() == [1, 0, 0, 0])
        #expect(try SingleNode.run1("Or", [a, b]).int64Values() == [1, 1, 1, 0])
        #expect(try SingleNode.run1("Xor", [a, b]).int64Values() == [0, 1, 1, 0])
        #expect(try SingleNode.run1("Not", [a]).int64Values() == [0, 0, 1, 1])
        let x = try Arrays.f([1, 2, 3], [3])
        let two = try Arrays.f([2], [1])
        #expect(try SingleNode.run1("Equal", [x, two]).int64Values() == [0, 1, 0])
        #expect(try SingleNode.run1("Less", [x, two]).int64Values() == [1, 0, 0])
        #expect(try SingleNode.run1("GreaterOrEqual", [x, two]).int64Values() == [0, 1, 1])
        let chosen = try SingleNode.run1("Where", [Arrays.bool([true, false, true], [3]), x, Arrays.f([0], [])])
        #expect(try chosen.floatValues() == [1, 0, 3])
    }
}
