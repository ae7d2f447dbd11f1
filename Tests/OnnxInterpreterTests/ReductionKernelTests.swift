import Foundation
import OnnxIR
import OnnxInterpreter
import Testing

@Suite struct ReductionKernelTests {
    let x: NDArray

    init() throws { x = try Arrays.f([1, 2, 3, 4, 5, 6], [2, 3]) }

    @Test func reduceMeanAxesAttributeBefore18AndInputAfter() throws {
        let old = try SingleNode.run1("ReduceMean", [x], attributes: [.ints("axes", [1])], opset: 17)
        #expect(old.shape == [2, 1])
        #expect(try old.floatValues() == [2, 5])
        let new = try SingleNode.run1(
            "ReduceMean", [x, Arrays.i64([0], [1])], attributes: [.int("keepdims", 0)], opset: 18)
        #expect(new.shape == [3])
        #expect(try new.floatValues() == [2.5, 3.5, 4.5])
        let all = try SingleNode.run1("ReduceMean", [x], opset: 18)
        #expect(all.shape == [1, 1])
        #expect(try all.floatValues() == [3.5])
    }

    @Test func reduceSumTakesAxesAsInputFrom13AndHonoursNoop() throws {
        #expect(try SingleNode.run1("ReduceSum", [x, Arrays.i64([1], [1])], opset: 13).floatValues() == [6, 15])
        let noop = try SingleNode.run1(
            "ReduceSum", [x, Arrays.i64([], [0])], attributes: [.int("noop_with_empty_axes", 1)], opset: 13)
        #expect(noop.shape == [2, 3])
    }

    @Test func otherReductions() throws {
        let axes: [Attribute] = [.ints("axes", [1]), .int("keepdims", 0)]
        #expect(try SingleNode.run1("ReduceMax", [x], attributes: axes, opset: 13).floatValues() == [3, 6])
        #expect(try SingleNode.run1("ReduceMin", [x], attributes: axes, opset: 13).floatValues() == [1, 4])
        #expect(try SingleNode.run1("ReduceProd", [x], attributes: axes, opset: 13).floatValues() == [6, 120])
        #expect(try SingleNode.run1("ReduceSumSquare", [x], attributes: axes, opset: 13).floatValues() == [14, 77])
        #expect(try SingleNode.run1("ReduceL1", [x], attributes: axes, opset: 13).floatValues() == [6, 15])
        #expect(
            try SingleNode.run1("ReduceL2", [x], attributes: axes, opset: 13).floatValues() == [
                Float(14).squareRoot(), Float(77).squareRoot(),
            ])
        let logSumExp = try SingleNode.run1("ReduceLogSumExp", [Arrays.f([0, 0], [2])], opset: 13).floatValues()
        #expect(abs(logSumExp[0] - Foundation.log(2)) < 1e-6)
    }

    @Test func nonContiguousAxesAreReduced() throws {
        let cube = try Arrays.f((0..<24).map(Float.init), [2, 3, 4])
        let y = try SingleNode.run1("ReduceSum", [cube, Arrays.i64([0, 2], [2])], attributes: [.int("keepdims", 0)])
        // Sum over a and c of a*12 + b*4 + c.
        #expect(try y.floatValues() == [60, 92, 124])
    }

    @Test func integerReductionsStayExact() throws {
        let big = try Arrays.i64([Int64(1) << 60, 1], [2])
        #expect(try SingleNode.run1("ReduceSum", [big]).int64Values() == [(Int64(1) << 60) + 1])
    }
}
