import OnnxIR
import OnnxInterpreter
import Testing

@Suite struct ResizeKernelTests {
    let x: NDArray

    init() throws { x = try Arrays.f([1, 2, 3, 4], [1, 1, 2, 2]) }

    @Test func nearestAsymmetricFloorRepeats() throws {
        let y = try SingleNode.run1(
            "Resize", [x, nil, Arrays.f([1, 1, 2, 2], [4])],
            attributes: [
                .string("mode", "nearest"), .string("coordinate_transformation_mode", "asymmetric"),
                .string("nearest_mode", "floor"),
            ])
        #expect(y.shape == [1, 1, 4, 4])
        #expect(try y.floatValues() == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    }

    @Test func nearestCropAndResizeFillsOutsideTheImageOnTheLastAxis() throws {
        // Output columns map to -1.5, 0, 1.5, 3, 4.5 of a 4-column row: the first and last lie outside.
        let y = try SingleNode.run1(
            "Resize",
            [
                Arrays.f([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 2, 4]), Arrays.f([0, 0, 0, -0.5, 1, 1, 1, 1.5], [8]), nil,
                Arrays.i64([1, 1, 2, 5], [4]),
            ],
            attributes: [
                .string("mode", "nearest"), .string("coordinate_transformation_mode", "tf_crop_and_resize"),
                .float("extrapolation_value", -7),
            ])
        #expect(y.shape == [1, 1, 2, 5])
        #expect(try y.floatValues() == [-7, 1, 2, 4, -7, -7, 5, 6, 8, -7])
    }

    @Test func linearHalfPixelInterpolates() throws {
        let y = try SingleNode.run1(
            "Resize", [Arrays.f([0, 4], [1, 2]), nil, Arrays.f([1, 2], [2])], attributes: [.string("mode", "linear")])
        // Output pixel centres map to -0.25, 0.25, 0.75, 1.25 (clamped to [0, 1]).
        #expect(try y.floatValues() == [0, 1, 3, 4])
    }

    @Test func sizesAndAlignCorners() throws {
        let y = try SingleNode.run1(
            "Resize", [Arrays.f([0, 3], [1, 2]), nil, nil, Arrays.i64([1, 4], [2])],
            attributes: [.string("mode", "linear"), .string("coordinate_transformation_mode", "align_corners")])
        #expect(zip(try y.floatValues(), [0, 1, 2, 3]).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func upsampleLegacy() throws {
        let y = try SingleNode.run1("Upsample", [x, Arrays.f([1, 1, 1, 2], [4])], opset: 9)
        #expect(try y.floatValues() == [1, 1, 2, 2, 3, 3, 4, 4])
    }

    @Test func scalesAndSizesTogetherAreAnError() throws {
        #expect(throws: InterpreterError.self) {
            try SingleNode.run1("Resize", [x, nil, Arrays.f([1, 1, 2, 2], [4]), Arrays.i64([1, 1, 4, 4], [4])])
        }
    }
}
