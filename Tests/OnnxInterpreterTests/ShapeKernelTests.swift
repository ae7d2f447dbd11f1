import OnnxIR
import OnnxInterpreter
import Testing

@Suite struct ShapeKernelTests {
    @Test func reshapeCopiesZerosAndInfersMinusOne() throws {
        let x = try Arrays.f((0..<24).map(Float.init), [2, 3, 4])
        #expect(try SingleNode.run1("Reshape", [x, Arrays.i64([0, -1], [2])]).shape == [2, 12])
        #expect(try SingleNode.run1("Reshape", [x, Arrays.i64([4, 0, 2], [3])]).shape == [4, 3, 2])
        #expect(throws: InterpreterError.self) {
            try SingleNode.run1("Reshape", [x, Arrays.i64([5, -1], [2])])
        }
        #expect(throws: InterpreterError.self) {
            try SingleNode.run1("Reshape", [x, Arrays.i64([-1, -1], [2])])
        }
    }

    @Test func reshapeWithAllowZeroMakesAnEmptyAxis() throws {
        let x = try Arrays.f([], [0, 3])
        let y = try SingleNode.run1("Reshape", [x, Arrays.i64([3, 0], [2])], attributes: [.int("allowzero", 1)])
        #expect(y.shape == [3, 0])
    }

    @Test func squeezeAndUnsqueezeTakeAxesAsAttributeBefore13AndAsInputAfter() throws {
        let x = try Arrays.f([1, 2, 3], [1, 3, 1])
        #expect(try SingleNode.run1("Squeeze", [x], attributes: [.ints("axes", [0])], opset: 11).shape == [3, 1])
        #expect(try SingleNode.run1("Squeeze", [x, Arrays.i64([-1], [1])], opset: 13).shape == [1, 3])
        #expect(try SingleNode.run1("Squeeze", [x], opset: 13).shape == [3])
        #expect(
            try SingleNode.run1("Unsqueeze", [x], attributes: [.ints("axes", [0, 4])], opset: 11).shape == [
                1, 1, 3, 1, 1,
            ])
        #expect(try SingleNode.run1("Unsqueeze", [x, Arrays.i64([1], [1])], opset: 13).shape == [1, 1, 3, 1])
        #expect(throws: InterpreterError.self) {
            try SingleNode.run1("Squeeze", [x, Arrays.i64([1], [1])], opset: 13)
        }
    }

    @Test func flattenShapeSizeAndIdentity() throws {
        let x = try Arrays.f((0..<24).map(Float.init), [2, 3, 4])
        #expect(try SingleNode.run1("Flatten", [x], attributes: [.int("axis", 2)]).shape == [6, 4])
        #expect(try SingleNode.run1("Flatten", [x], attributes: [.int("axis", 0)]).shape == [1, 24])
        #expect(try SingleNode.run1("Shape", [x]).int64Values() == [2, 3, 4])
        #expect(
            try SingleNode.run1("Shape", [x], attributes: [.int("start", 1), .int("end", -1)]).int64Values() == [3])
        #expect(try SingleNode.run1("Size", [x]).int64Values() == [24])
        #expect(try SingleNode.run1("Identity", [x]).floatValues() == (0..<24).map(Float.init))
    }

    @Test func expandAndTile() throws {
        let x = try Arrays.f([1, 2], [2, 1])
        let expanded = try SingleNode.run1("Expand", [x, Arrays.i64([2, 3], [2])])
        #expect(try expanded.floatValues() == [1, 1, 1, 2, 2, 2])
        let tiled = try SingleNode.run1("Tile", [Arrays.f([1, 2], [1, 2]), Arrays.i64([2, 2], [2])])
        #expect(tiled.shape == [2, 4])
        #expect(try tiled.floatValues() == [1, 2, 1, 2, 1, 2, 1, 2])
    }

    @Test func rangeAndConstantOfShape() throws {
        let range = try SingleNode.run1("Range", [Arrays.i64([10], []), Arrays.i64([1], []), Arrays.i64([-3], [])])
        #expect(try range.int64Values() == [10, 7, 4])
        let floats = try SingleNode.run1("Range", [Arrays.f([0], []), Arrays.f([1], []), Arrays.f([0.25], [])])
        #expect(try floats.floatValues() == [0, 0.25, 0.5, 0.75])
        let filled = try SingleNode.run1(
            "ConstantOfShape", [Arrays.i64([2, 2], [2])],
            attributes: [Attribute("value", .tensor(Tensor.int64s([7], dims: [1])))])
        #expect(filled.dataType == .int64)
        #expect(try filled.int64Values() == [7, 7, 7, 7])
        let zeros = try SingleNode.run1("ConstantOfShape", [Arrays.i64([3], [1])])
        #expect(zeros.dataType == .float)
        #expect(try zeros.floatValues() == [0, 0, 0])
    }

    @Test func constantForms() throws {
        let builder = GraphBuilder(name: "constants")
        try builder.addNode(
            opType: "Constant", domain: nil, name: "c0", inputNames: [], outputNames: ["a"],
            attributes: [Attribute("value_floats", .floats([1, 2]))])
        try builder.addNode(
            opType: "Constant", domain: nil, name: "c1", inputNames: [], outputNames: ["b"],
            attributes: [Attribute("value_int", .int(5))])
        builder.addOutput(name: "a", type: nil)
        builder.addOutput(name: "b", type: nil)
        let model = Model(graph: try builder.finish(), opsetImports: [OpsetImport(domain: "", version: 13)])
        let outputs = try Interpreter(model: model).run([:])
        #expect(try outputs["a"]?.floatValues() == [1, 2])
        #expect(try outputs["b"]?.int64Values() == [5])
        #expect(outputs["b"]?.shape == [])
    }
}
