/// A sliding window over spatial axes: sizes, kernel, strides, dilations and padding, all resolved.
struct WindowGeometry {
    /// Input spatial sizes.
    let input: [Int]
    /// Output spatial sizes.
    let output: [Int]
    /// Kernel sizes.
    let kernel: [Int]
    /// Strides.
    let strides: [Int]
    /// Dilations.
    let dilations: [Int]
    /// Padding before each axis.
    let padBegins: [Int]
    /// Padding after each axis.
    let padEnds: [Int]

    /// Number of spatial axes.
    var rank: Int { input.count }
    /// Product of the input sizes.
    var inputSize: Int { Shapes.product(input) }
    /// Product of the output sizes.
    var outputSize: Int { Shapes.product(output) }
    /// Product of the kernel sizes.
    var kernelSize: Int { Shapes.product(kernel) }
}
