import OnnxIR
import OnnxInterpreter
import Testing

@Suite struct MovementKernelTests {
    @Test func transposeDefaultReversesAndPermIsApplied() throws {
        let x = try Arrays.f([1, 2, 3, 4, 5, 6], [2, 3])
        let reversed = try SingleNode.run1("Transpose", [x])
        #expect(reversed.shape == [3, 2])
        #expect(try reversed.floatValues() == [1, 4, 2, 5, 3, 6])
        let cube = try Arrays.f((0..<24).map(Float.init), [2, 3, 4])
        let moved = try SingleNode.run1("Transpose", [cube], attributes: [.ints("perm", [1, 2, 0])])
        #expect(moved.shape == [3, 4, 2])
        let values = try moved.floatValues()
        // moved[i][j][k] = cube[k][i][j]
        #expect(values[(1 * 4 + 2) * 2 + 1] == Float(1 * 12 + 1 * 4 + 2))
    }

    @Test func largeTransposeMatchesIndexFormula() throws {
        let (h, w, c) = (37, 41, 19)
        let x = try Arrays.f((0..<(h * w * c)).map(Float.init), [1, h, w, c])
        let y = try SingleNode.run1("Transpose", [x], attributes: [.ints("perm", [0, 3, 1, 2])]).floatValues()
        for (channel, row, column) in [(0, 0, 0), (18, 36, 40), (5, 7, 11), (3, 36, 0)] {
            #expect(y[(channel * h + row) * w + column] == Float((row * w + column) * c + channel))
        }
    }

    @Test func concatAlongMiddleAxis() throws {
        let a = try Arrays.f([1, 2, 3, 4], [2, 2])
        let b = try Arrays.f([5, 6], [2, 1])
        let y = try SingleNode.run1("Concat", [a, b], attributes: [.int("axis", -1)])
        #expect(y.shape == [2, 3])
        #expect(try y.floatValues() == [1, 2, 5, 3, 4, 6])
    }

    @Test func splitBySizesAndByOutputCount() throws {
        let x = try Arrays.f([1, 2, 3, 4, 5], [5])
        let sized = try SingleNode.run("Split", [x, Arrays.i64([2, 3], [2])], outputs: 2, opset: 13)
        #expect(try sized[0].floatValues() == [1, 2])
        #expect(try sized[1].floatValues() == [3, 4, 5])
        let counted = try SingleNode.run("Split", [x], attributes: [.int("num_outputs", 3)], outputs: 3, opset: 18)
        #expect(counted.map(\.shape) == [[2], [2], [1]])
        let old = try SingleNode.run("Split", [x], attributes: [.ints("split", [4, 1])], outputs: 2, opset: 11)
        #expect(try old[1].floatValues() == [5])
    }

    @Test func sliceClampsAndStepsBackwards() throws {
        let x = try Arrays.f((0..<10).map(Float.init), [10])
        let forward = try SingleNode.run1("Slice", [x, Arrays.i64([2], [1]), Arrays.i64([1000], [1])])
        #expect(try forward.floatValues() == [2, 3, 4, 5, 6, 7, 8, 9])
        let backward = try SingleNode.run1(
            "Slice",
            [x, Arrays.i64([-1], [1]), Arrays.i64([Int64.min], [1]), Arrays.i64([0], [1]), Arrays.i64([-3], [1])])
        #expect(try backward.floatValues() == [9, 6, 3, 0])
        let empty = try SingleNode.run1("Slice", [x, Arrays.i64([5], [1]), Arrays.i64([2], [1])])
        #expect(empty.shape == [0])
        let matrix = try Arrays.f((0..<12).map(Float.init), [3, 4])
        let columns = try SingleNode.run1(
            "Slice", [matrix, Arrays.i64([1], [1]), Arrays.i64([3], [1]), Arrays.i64([1], [1])])
        #expect(columns.shape == [3, 2])
        #expect(try columns.floatValues() == [1, 2, 5, 6, 9, 10])
    }

    @Test func padModes() throws {
        let x = try Arrays.f([1, 2, 3], [1, 3])
        let pads = try Arrays.i64([0, 2, 0, 1], [4])
        let constant = try SingleNode.run1("Pad", [x, pads, Arrays.f([9], [])])
        #expect(try constant.floatValues() == [9, 9, 1, 2, 3, 9])
        let reflect = try SingleNode.run1("Pad", [x, pads], attributes: [.string("mode", "reflect")])
        #expect(try reflect.floatValues() == [3, 2, 1, 2, 3, 2])
        let edge = try SingleNode.run1("Pad", [x, pads], attributes: [.string("mode", "edge")])
        #expect(try edge.floatValues() == [1, 1, 1, 2, 3, 3])
        let wrap = try SingleNode.run1("Pad", [x, pads], attributes: [.string("mode", "wrap")])
        #expect(try wrap.floatValues() == [2, 3, 1, 2, 3, 1])
        let cropped = try SingleNode.run1("Pad", [x, Arrays.i64([0, -1, 0, 1], [4])])
        #expect(try cropped.floatValues() == [2, 3, 0])
        let legacy = try SingleNode.run1(
            "Pad", [x], attributes: [.ints("pads", [0, 1, 0, 0]), .float("value", 5)], opset: 2)
        #expect(try legacy.floatValues() == [5, 1, 2, 3])
    }

    @Test func depthToSpaceAndBack() throws {
        let x = try Arrays.f((0..<16).map(Float.init), [1, 4, 2, 2])
        let space = try SingleNode.run1("DepthToSpace", [x], attributes: [.int("blocksize", 2)])
        #expect(space.shape == [1, 1, 4, 4])
        #expect(try space.floatValues()[0..<4] == [0, 4, 1, 5])
        let depth = try SingleNode.run1("SpaceToDepth", [space], attributes: [.int("blocksize", 2)])
        #expect(try depth.floatValues() == (0..<16).map(Float.init))
    }
}
