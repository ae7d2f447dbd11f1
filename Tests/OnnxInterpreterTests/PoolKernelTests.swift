import OnnxIR
import OnnxInterpreter
import Testing

@Suite struct PoolKernelTests {
    let x: NDArray

    init() throws { x = try Arrays.f((1...16).map(Float.init), [1, 1, 4, 4]) }

    @Test func maxPoolWithIndices() throws {
        let outputs = try SingleNode.run(
            "MaxPool", [x], attributes: [.ints("kernel_shape", [2, 2]), .ints("strides", [2, 2])], outputs: 2)
        #expect(try outputs[0].floatValues() == [6, 8, 14, 16])
        #expect(try outputs[1].int64Values() == [5, 7, 13, 15])
    }

    @Test func averagePoolCountsPaddingOnlyWhenAsked() throws {
        let attributes: [Attribute] = [
            .ints("kernel_shape", [2, 2]), .ints("pads", [1, 1, 0, 0]), .ints("strides", [2, 2]),
        ]
        let excluded = try SingleNode.run1("AveragePool", [x], attributes: attributes)
        #expect(try excluded.floatValues() == [1, 2.5, 7, 8.5])
        let included = try SingleNode.run1("AveragePool", [x], attributes: attributes + [.int("count_include_pad", 1)])
        #expect(try included.floatValues() == [0.25, 1.25, 3.5, 8.5])
    }

    @Test func ceilModeAddsAPartialWindow() throws {
        let y = try SingleNode.run1(
            "MaxPool", [Arrays.f((1...9).map(Float.init), [1, 1, 3, 3])],
            attributes: [.ints("kernel_shape", [2, 2]), .ints("strides", [2, 2]), .int("ceil_mode", 1)])
        #expect(y.shape == [1, 1, 2, 2])
        #expect(try y.floatValues() == [5, 6, 8, 9])
    }

    @Test func globalPools() throws {
        #expect(try SingleNode.run1("GlobalAveragePool", [x]).floatValues() == [8.5])
        #expect(try SingleNode.run1("GlobalMaxPool", [x]).floatValues() == [16])
        #expect(try SingleNode.run1("GlobalAveragePool", [x]).shape == [1, 1, 1, 1])
    }
}
