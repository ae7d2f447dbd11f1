import CVectorMath

/// The sliding-window loops `CVectorMath` runs eight lanes at a time where the CPU has AVX2
/// (`CVectorDepthwise.h`): the same float operations in the same order per output as the Swift
/// loops they stand in for, so the results are those loops' bits. Each returns false when the
/// caller must run its own loop (another CPU, or a case the C loop does not cover).
enum VectorWindows {
    /// Depthwise 2-D convolution of `channels` planes (see `ConvKernels.depthwise`).
    static func depthwise(
        _ input: UnsafePointer<Float>, _ weights: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
        _ output: UnsafeMutablePointer<Float>, channels: Int, geometry: WindowGeometry
    ) -> Bool {
        guard geometry.rank == 2 else { return false }
        var window = qdqc_window2d(
            height: geometry.input[0], width: geometry.input[1], outHeight: geometry.output[0],
            outWidth: geometry.output[1], kernelHeight: geometry.kernel[0], kernelWidth: geometry.kernel[1],
            strideH: geometry.strides[0], strideW: geometry.strides[1], dilationH: geometry.dilations[0],
            dilationW: geometry.dilations[1], padTop: geometry.padBegins[0], padLeft: geometry.padBegins[1])
        return qdqc_depthwise_f32(&window, input, weights, bias, output, channels) != 0
    }

    /// `line[c] = max(source[c * stride + tap], line[c])` for each tap in order, for c < `count`,
    /// where max(v, m) is `v > m ? v : m`.
    static func maxTaps(
        _ source: UnsafePointer<Float>, stride: Int, taps: Int, into line: UnsafeMutablePointer<Float>, count: Int
    ) -> Bool {
        qdqc_max_taps_f32(source, stride, taps, line, count) != 0
    }

    /// `target[c] = source[c * stride]` for c < `count`.
    static func gather(
        _ source: UnsafePointer<Float>, stride: Int, into target: UnsafeMutablePointer<Float>, count: Int
    ) -> Bool {
        qdqc_gather_f32(source, stride, target, count) != 0
    }

    /// `line[c * stride] += values[c]` for c < `count`.
    static func scatterAdd(
        _ values: UnsafePointer<Float>, stride: Int, into line: UnsafeMutablePointer<Float>, count: Int
    ) -> Bool {
        qdqc_scatter_add_f32(values, stride, line, count) != 0
    }

    /// `maxima[p]` = GlobalMaxPool's value of plane p of `x` (`[planes, size]`): the last NaN if
    /// there is one, else the largest value, of equal zeros the first.
    static func planeMaxima(
        _ x: UnsafePointer<Float>, planes: Int, size: Int, into maxima: UnsafeMutablePointer<Float>
    ) -> Bool {
        qdqc_plane_max_f32(x, planes, size, maxima) != 0
    }

    /// `sums[p]` = the double sum of plane p of `x` (`[planes, size]`), added in index order from 0.
    static func planeSums(
        _ x: UnsafePointer<Float>, planes: Int, size: Int, into sums: UnsafeMutablePointer<Double>
    ) -> Bool {
        qdqc_plane_sums_f64(x, planes, size, sums) != 0
    }
}
