import OnnxIR
import OnnxInterpreter
import Testing

/// Sizes and attributes taken from data must produce errors, never traps or huge allocations.
@Suite struct HostileInputTests {
    let huge = Int64(1) << 40

    @Test func sizesThatCannotBeAllocatedAreErrors() throws {
        let x = try Arrays.f([1, 2], [2])
        #expect(throws: InterpreterError.self) { try SingleNode.run1("Tile", [x, Arrays.i64([Int64.max / 2], [1])]) }
        #expect(throws: InterpreterError.self) {
            try SingleNode.run1("Expand", [x, Arrays.i64([huge, huge, 2], [3])])
        }
        #expect(throws: InterpreterError.self) {
            try SingleNode.run1("ConstantOfShape", [Arrays.i64([huge, huge], [2])])
        }
        #expect(throws: InterpreterError.self) {
            try SingleNode.run1("Reshape", [x, Arrays.i64([huge, huge, -1], [3])])
        }
        #expect(throws: InterpreterError.self) {
            try SingleNode.run1("Range", [Arrays.f([0], []), Arrays.f([1e30], []), Arrays.f([1], [])])
        }
        #expect(throws: InterpreterError.self) {
            try SingleNode.run1("Pad", [x, Arrays.i64([Int64.max, Int64.max], [2])])
        }
        #expect(throws: InterpreterError.self) {
            try SingleNode.run1(
                "Resize", [Arrays.f([1, 2, 3, 4], [1, 1, 2, 2]), nil, Arrays.f([1, 1, 1e9, 1e9], [4])])
        }
        #expect(throws: InterpreterError.self) { try SingleNode.run1("HannWindow", [Arrays.i64([huge * 1000], [])]) }
    }

    @Test func absurdWindowAttributesAreErrors() throws {
        let x = try Arrays.f([Float](repeating: 1, count: 16), [1, 1, 4, 4])
        let w = try Arrays.f([1], [1, 1, 1, 1])
        #expect(throws: InterpreterError.self) {
            try SingleNode.run1("Conv", [x, w], attributes: [.ints("strides", [Int.max, 1])])
        }
        #expect(throws: InterpreterError.self) {
            try SingleNode.run1("ConvTranspose", [x, w], attributes: [.ints("strides", [Int.max, 1])])
        }
        #expect(throws: InterpreterError.self) {
            try SingleNode.run1("MaxPool", [x], attributes: [.ints("kernel_shape", [Int.max, 1])])
        }
        let eye = try SingleNode.run1("EyeLike", [Arrays.f([0, 0, 0, 0], [2, 2])], attributes: [.int("k", Int.max)])
        #expect(try eye.floatValues() == [0, 0, 0, 0])
    }

    @Test func malformedTensorsAreErrors() throws {
        let short = Tensor(name: "w", dataType: .float, dims: [4], storage: .raw(.init([0, 0, 0])))
        #expect(throws: InterpreterError.self) { try NDArray(tensor: short) }
        let negative = Tensor(name: "n", dataType: .float, dims: [-1], storage: .raw(.init()))
        #expect(throws: InterpreterError.self) { try NDArray(tensor: negative) }
        let text = Tensor(name: "s", dataType: .string, dims: [1], storage: .strings([[65]]))
        #expect(throws: InterpreterError.self) { try NDArray(tensor: text) }
    }

    @Test func splitSizesPastInt64AreErrors() throws {
        let x = try Arrays.f([1, 2, 3, 4], [4])
        let half = Int64(1) << 62
        // 2^62 + 2^62 overflows Int64: the sum used to trap.
        #expect(throws: InterpreterError.self) {
            try SingleNode.run("Split", [x, Arrays.i64([half, half], [2])], outputs: 2)
        }
        #expect(throws: InterpreterError.self) {
            try SingleNode.run("Split", [x, Arrays.i64([Int64.max, 1], [2])], outputs: 2)
        }
        // A num_outputs far above the node's outputs used to size an array from it.
        #expect(throws: InterpreterError.self) {
            try SingleNode.run("Split", [x], attributes: [.int("num_outputs", Int(huge))], outputs: 2, opset: 18)
        }
        let parts = try SingleNode.run("Split", [x, Arrays.i64([1, 3], [2])], outputs: 2)
        #expect(try parts.map { try $0.floatValues() } == [[1], [2, 3, 4]])
    }
}
