import Foundation
import Testing

@testable import OnnxInterpreter

/// `VectorWindows` (CVectorMath's AVX2 window loops) against the Swift loops they stand in for and
/// against direct loops, bit for bit: rows that end mid-register, padding, strides, dilations, NaN,
/// infinities and signed zeros. Inputs sit against an inaccessible page, so a loop that reads past
/// either end of its data crashes the test.
@Suite struct VectorWindowsTests {
    /// Values in [-1, 1); with `specials`, every 23rd is a NaN, an infinity or a signed zero.
    static func values(_ count: Int, seed: UInt64, specials: Bool = false) -> [Float] {
        var result = ConvKernelTests.noise(count, seed: seed)
        if specials {
            let pool: [Float] = [.nan, .infinity, -.infinity, 0, -0.0]
            for index in stride(from: 3, to: count, by: 23) { result[index] = pool[(index / 23) % pool.count] }
        }
        return result
    }

    /// Runs `body` on a copy of `values` that ends (or, with `atEnd` false, starts) at a page the
    /// process may not read.
    static func guarded<R>(_ values: [Float], atEnd: Bool, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let bytes = values.count * MemoryLayout<Float>.size
        let dataPages = max(1, (bytes + page - 1) / page)
        let total = (dataPages + 1) * page
        guard let raw = mmap(nil, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            Int(bitPattern: raw) != -1
        else { fatalError("mmap failed") }
        defer { munmap(raw, total) }
        let guardPage = atEnd ? raw + dataPages * page : raw
        precondition(mprotect(guardPage, page, PROT_NONE) == 0)
        let start = atEnd ? guardPage - bytes : raw + page
        let pointer = start.bindMemory(to: Float.self, capacity: max(values.count, 1))
        pointer.initialize(from: values, count: values.count)
        return body(pointer)
    }

    /// `body` on the array's elements, or on nil.
    static func withOptional<R>(_ array: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let array else { return body(nil) }
        return array.withUnsafeBufferPointer { body($0.baseAddress) }
    }

    /// A 2-D window over `input` ([height, width]) with pads [top, left, bottom, right].
    static func geometry(
        input: (Int, Int), kernel: (Int, Int), strides: (Int, Int), dilations: (Int, Int), pads: [Int]
    ) -> WindowGeometry {
        let spanH = (kernel.0 - 1) * dilations.0 + 1
        let spanW = (kernel.1 - 1) * dilations.1 + 1
        let output = [
            (input.0 + pads[0] + pads[2] - spanH) / strides.0 + 1,
            (input.1 + pads[1] + pads[3] - spanW) / strides.1 + 1,
        ]
        return WindowGeometry(
            input: [input.0, input.1], output: output, kernel: [kernel.0, kernel.1], strides: [strides.0, strides.1],
            dilations: [dilations.0, dilations.1], padBegins: [pads[0], pads[1]], padEnds: [pads[2], pads[3]])
    }

    struct DepthwiseCase: CustomTestStringConvertible, Sendable {
        let channels: Int
        let input: (Int, Int)
        let kernel: (Int, Int)
        let strides: (Int, Int)
        let dilations: (Int, Int)
        let pads: [Int]
        var testDescription: String {
            "\(channels)x\(input) k\(kernel) s\(strides) d\(dilations) p\(pads)"
        }
    }

    static let depthwiseCases: [DepthwiseCase] = [
        // ppocr's 5x5 and 3x3 shapes, rows of 30, 15 and 37 columns (four registers and masked ends).
        DepthwiseCase(
            channels: 4, input: (6, 30), kernel: (5, 5), strides: (1, 1), dilations: (1, 1), pads: [2, 2, 2, 2]),
        DepthwiseCase(
            channels: 2, input: (5, 15), kernel: (5, 5), strides: (1, 1), dilations: (1, 1), pads: [2, 2, 2, 2]),
        DepthwiseCase(
            channels: 3, input: (7, 37), kernel: (3, 3), strides: (1, 1), dilations: (1, 1), pads: [1, 1, 1, 1]),
        // Column stride 2: every second column, where taps on padding add weight × 0 (the Swift loop's gathered zeros).
        DepthwiseCase(
            channels: 3, input: (9, 33), kernel: (5, 5), strides: (2, 2), dilations: (1, 1), pads: [2, 2, 2, 2]),
        DepthwiseCase(
            channels: 2, input: (8, 70), kernel: (3, 3), strides: (2, 2), dilations: (1, 1), pads: [1, 1, 1, 1]),
        DepthwiseCase(
            channels: 2, input: (7, 29), kernel: (3, 4), strides: (1, 2), dilations: (1, 3), pads: [1, 5, 0, 2]),
        DepthwiseCase(
            channels: 2, input: (5, 100), kernel: (3, 3), strides: (2, 2), dilations: (1, 1), pads: [0, 0, 1, 1]),
        // Column stride 3, dilations, one-sided and wide padding (taps wholly outside, empty rows).
        DepthwiseCase(
            channels: 2, input: (5, 9), kernel: (3, 3), strides: (3, 3), dilations: (1, 2), pads: [0, 3, 2, 5]),
        DepthwiseCase(
            channels: 2, input: (6, 41), kernel: (3, 5), strides: (1, 1), dilations: (2, 3), pads: [2, 4, 1, 0]),
        DepthwiseCase(
            channels: 2, input: (4, 12), kernel: (3, 3), strides: (1, 1), dilations: (1, 1), pads: [3, 0, 3, 9]),
        DepthwiseCase(
            channels: 2, input: (4, 1), kernel: (3, 1), strides: (1, 1), dilations: (1, 1), pads: [1, 0, 1, 0]),
        DepthwiseCase(
            channels: 2, input: (3, 8), kernel: (1, 1), strides: (1, 1), dilations: (1, 1), pads: [0, 0, 0, 0]),
        DepthwiseCase(
            channels: 2, input: (3, 64), kernel: (2, 7), strides: (2, 1), dilations: (1, 1), pads: [0, 6, 1, 6]),
        // Enough work for both cores, so channels are split between threads.
        DepthwiseCase(
            channels: 48, input: (20, 64), kernel: (3, 3), strides: (1, 1), dilations: (1, 1), pads: [1, 1, 1, 1]),
    ]

    /// The convolution written out: bias, then each tap on a row inside the image in order; with a
    /// column stride of 1 taps on column padding are skipped, otherwise they add weight × 0.
    static func directDepthwise(
        _ x: [Float], _ w: [Float], _ bias: [Float]?, channels: Int, geometry g: WindowGeometry
    ) -> [Float] {
        let (height, width, kernelHeight, kernelWidth) = (g.input[0], g.input[1], g.kernel[0], g.kernel[1])
        var result: [Float] = []
        for channel in 0..<channels {
            for outRow in 0..<g.output[0] {
                for outColumn in 0..<g.output[1] {
                    var sum = bias?[channel] ?? 0
                    for tapH in 0..<kernelHeight {
                        let row = outRow * g.strides[0] + tapH * g.dilations[0] - g.padBegins[0]
                        guard row >= 0, row < height else { continue }
                        for tapW in 0..<kernelWidth {
                            let column = outColumn * g.strides[1] + tapW * g.dilations[1] - g.padBegins[1]
                            let inside = column >= 0 && column < width
                            if !inside && g.strides[1] == 1 { continue }
                            let value = inside ? x[(channel * height + row) * width + column] : 0
                            sum += w[(channel * kernelHeight + tapH) * kernelWidth + tapW] * value
                        }
                    }
                    result.append(sum)
                }
            }
        }
        return result
    }

    @Test(arguments: depthwiseCases, [false, true])
    func depthwiseMatchesTheSwiftLoopAndADirectLoop(_ c: DepthwiseCase, specials: Bool) {
        let g = Self.geometry(
            input: c.input, kernel: c.kernel, strides: c.strides, dilations: c.dilations, pads: c.pads)
        let x = Self.values(c.channels * g.inputSize, seed: 11, specials: specials)
        let w = Self.values(c.channels * g.kernelSize, seed: 12, specials: specials)
        let bias = c.channels % 2 == 0 ? Self.values(c.channels, seed: 13, specials: specials) : nil
        let expected = Self.directDepthwise(x, w, bias, channels: c.channels, geometry: g)
        var swift = [Float](repeating: 7, count: expected.count)
        swift.withUnsafeMutableBufferPointer { y in
            Self.withOptional(bias) { b in
                ConvKernels.depthwise(x, w, b, y.baseAddress!, channels: c.channels, geometry: g, vectorized: false)
            }
        }
        #expect(BitIdentity.firstDifference(swift, expected) == nil)
        for atEnd in [true, false] {
            var vector = [Float](repeating: 7, count: expected.count)
            let done = Self.guarded(x, atEnd: atEnd) { input in
                vector.withUnsafeMutableBufferPointer { y in
                    Self.withOptional(bias) { b in
                        VectorWindows.depthwise(input, w, b, y.baseAddress!, channels: c.channels, geometry: g)
                    }
                }
            }
            #expect(done)
            let difference = BitIdentity.firstDifference(vector, expected)
            #expect(
                difference == nil,
                "index \(difference ?? -1): \(vector[difference ?? 0]) vs \(expected[difference ?? 0])")
            // Through the kernel as Conv runs it: channels split over threads, then this loop.
            var kernel = [Float](repeating: 7, count: expected.count)
            kernel.withUnsafeMutableBufferPointer { y in
                Self.withOptional(bias) { b in
                    ConvKernels.depthwise(x, w, b, y.baseAddress!, channels: c.channels, geometry: g)
                }
            }
            #expect(BitIdentity.firstDifference(kernel, expected) == nil)
        }
    }

    @Test func maxTapsMatchesTheScalarLoop() {
        for stride in [1, 2] {
            for taps in 1...4 {
                for count in [0, 1, 7, 8, 9, 16, 17, 23, 40] {
                    let sourceCount = count == 0 ? 0 : (count - 1) * stride + taps
                    let source = Self.values(sourceCount, seed: UInt64(31 * count + taps), specials: true)
                        .enumerated().map { $0.offset % 5 == 1 ? -0.0 : $0.offset % 7 == 2 ? 0 : $0.element }
                    let start = Self.values(count, seed: 5, specials: true)
                    var expected = start
                    for tap in 0..<taps {
                        for column in 0..<count {
                            let value = source[column * stride + tap]
                            expected[column] = value > expected[column] ? value : expected[column]
                        }
                    }
                    for atEnd in [true, false] {
                        var line = start
                        let done = Self.guarded(source, atEnd: atEnd) { pointer in
                            VectorWindows.maxTaps(pointer, stride: stride, taps: taps, into: &line, count: count)
                        }
                        #expect(done)
                        #expect(
                            BitIdentity.firstDifference(line, expected) == nil,
                            "stride \(stride) taps \(taps) count \(count)")
                    }
                }
            }
        }
        var line: [Float] = [0]
        #expect(!VectorWindows.maxTaps([1, 2, 3], stride: 3, taps: 1, into: &line, count: 1))
    }

    @Test func gatherMatchesTheScalarLoop() {
        for count in [0, 1, 8, 9, 15, 16, 17, 31, 50] {
            let source = Self.values(max(0, 2 * count - 1), seed: UInt64(count), specials: true)
            let expected = (0..<count).map { source[2 * $0] }
            for atEnd in [true, false] {
                var target = [Float](repeating: 5, count: count)
                let done = Self.guarded(source, atEnd: atEnd) { pointer in
                    VectorWindows.gather(pointer, stride: 2, into: &target, count: count)
                }
                #expect(done)
                #expect(target.map(\.bitPattern) == expected.map(\.bitPattern), "count \(count)")
            }
        }
        var target: [Float] = [0]
        #expect(!VectorWindows.gather([1, 2, 3, 4], stride: 3, into: &target, count: 1))
    }

    @Test func scatterAddMatchesTheScalarLoop() {
        for count in [0, 1, 8, 9, 15, 16, 17, 31, 50] {
            let values = Self.values(count, seed: UInt64(count + 40), specials: true)
            let start = Self.values(max(0, 2 * count - 1), seed: UInt64(count + 80), specials: true)
                .enumerated().map { $0.offset % 6 == 1 ? -0.0 : $0.element }
            var expected = start
            for column in 0..<count { expected[2 * column] += values[column] }
            for atEnd in [true, false] {
                let line = Self.guarded(start, atEnd: atEnd) { pointer in
                    #expect(VectorWindows.scatterAdd(values, stride: 2, into: pointer, count: count))
                    return Array(UnsafeBufferPointer(start: pointer, count: start.count))
                }
                #expect(BitIdentity.firstDifference(line, expected) == nil, "count \(count)")
            }
        }
        var line: [Float] = [0, 0, 0, 0]
        #expect(!VectorWindows.scatterAdd([1, 2], stride: 3, into: &line, count: 2))
    }

    @Test func planeSumsMatchTheSequentialDoubleSum() {
        for planes in [1, 3, 4, 5, 16, 17, 37] {
            for size in [1, 7, 50] {
                // Magnitudes from 2^-40 to 2^40, so a sum taken in another order loses other bits.
                var x = Self.values(planes * size, seed: UInt64(planes * 100 + size))
                for index in x.indices {
                    x[index] *= Float(sign: .plus, exponent: (index * 7919) % 81 - 40, significand: 1)
                }
                if planes > 4 { x[size * 4 + size / 2] = .nan }
                var sums = [Double](repeating: 0, count: planes)
                let done = Self.guarded(x, atEnd: true) { pointer in
                    VectorWindows.planeSums(pointer, planes: planes, size: size, into: &sums)
                }
                #expect(done)
                for plane in 0..<planes {
                    var sum: Double = 0
                    for index in 0..<size { sum += Double(x[plane * size + index]) }
                    #expect(
                        sums[plane].bitPattern == sum.bitPattern || sums[plane].isNaN && sum.isNaN,
                        "planes \(planes) size \(size) plane \(plane)")
                }
            }
        }
    }

    /// GlobalMaxPool's loop: the last NaN if there is one, else the maximum, of equal zeros the first.
    @Test func planeMaximaMatchTheSequentialLoop() {
        let nan1 = Float(bitPattern: 0x7FC0_0001)
        let nan2 = Float(bitPattern: 0xFFC0_0002)
        var planes: [[Float]] = [
            [], [-.infinity], [-0.0, 0], [0, -0.0], [-1, -0.0, -3, 0, -2], [-5, nan1, 3, nan2, 1],
            (0..<19).map { $0 == 17 ? nan1 : -Float($0) }, (0..<33).map { $0 == 2 ? nan2 : $0 == 30 ? nan1 : 0 },
            (0..<40).map { $0 % 9 == 4 ? 0 : $0 % 9 == 2 ? -0.0 : -1 }, (0..<40).map { $0 % 5 == 3 ? -0.0 : -2 },
        ]
        planes += (1..<6).map { Self.values(8 * $0 + $0, seed: UInt64($0), specials: $0 % 2 == 0) }
        for plane in planes {
            var expected = -Float.infinity
            for value in plane where value > expected || value.isNaN { expected = value }
            var result: [Float] = [7]
            let done = Self.guarded(plane, atEnd: true) { pointer in
                VectorWindows.planeMaxima(pointer, planes: 1, size: plane.count, into: &result)
            }
            #expect(done)
            #expect(result[0].bitPattern == expected.bitPattern, "\(plane)")
        }
        // Several planes in one call: planes 6 to 9 (a NaN, two NaNs, -0 before +0, only -0 zeros).
        let size = 40
        let group = planes[6...9].map { Array(($0 + [Float](repeating: -9, count: size)).prefix(size)) }
        var maxima = [Float](repeating: 7, count: group.count)
        #expect(VectorWindows.planeMaxima(group.flatMap { $0 }, planes: group.count, size: size, into: &maxima))
        let sequential = group.map { plane in
            var best = -Float.infinity
            for value in plane where value > best || value.isNaN { best = value }
            return best
        }
        #expect(maxima.map(\.bitPattern) == sequential.map(\.bitPattern))
        #expect(maxima[2].bitPattern == (-0.0 as Float).bitPattern)
    }

    /// im2col written out: row (channel, tapH, tapW), column (output row - first, output column).
    static func directColumns(_ x: [Float], channels: Int, geometry g: WindowGeometry, rows: Range<Int>) -> [Float] {
        var result: [Float] = []
        for channel in 0..<channels {
            for tapH in 0..<g.kernel[0] {
                for tapW in 0..<g.kernel[1] {
                    for outRow in rows {
                        for outColumn in 0..<g.output[1] {
                            let row = outRow * g.strides[0] + tapH * g.dilations[0] - g.padBegins[0]
                            let column = outColumn * g.strides[1] + tapW * g.dilations[1] - g.padBegins[1]
                            let inside = row >= 0 && row < g.input[0] && column >= 0 && column < g.input[1]
                            result.append(inside ? x[(channel * g.input[0] + row) * g.input[1] + column] : 0)
                        }
                    }
                }
            }
        }
        return result
    }

    /// Whole contiguous bands (kernels one column wide, column images), stride-2 gathers, windows
    /// copied down buffer columns (wide kernels) and the general rows, over bands of output rows.
    @Test(arguments: [
        ((40, 1), (5, 1), (1, 1), (1, 1), [2, 0, 2, 0]),  // magika's column image, padded
        ((40, 1), (5, 1), (1, 1), (3, 1), [0, 0, 0, 0]),
        ((41, 1), (3, 1), (2, 1), (1, 1), [1, 0, 0, 0]),  // column image with a row stride: element by element
        ((12, 9), (3, 1), (1, 1), (2, 1), [3, 0, 1, 0]),  // kernel one column wide over wide rows
        ((12, 9), (3, 1), (1, 2), (1, 1), [1, 0, 1, 0]),
        ((11, 37), (3, 3), (2, 2), (1, 1), [1, 1, 1, 1]),  // stride-2 gathers with padding
        ((14, 56), (1, 1), (2, 2), (1, 1), [0, 0, 0, 0]),  // open_nsfw's strided 1x1
        ((9, 20), (3, 3), (1, 1), (1, 2), [1, 2, 1, 2]),
        ((1, 640), (1, 256), (1, 128), (1, 1), [0, 0, 0, 0]),  // silero's STFT: windows copied down columns
        ((4, 50), (2, 24), (2, 8), (1, 2), [1, 5, 0, 4]),
        ((7, 7), (3, 3), (1, 1), (1, 1), [1, 1, 1, 1]),  // narrow outputs: windows down columns too
        ((1, 4), (1, 3), (1, 2), (1, 1), [0, 1, 0, 1]),
    ])
    func im2colMatchesADirectLoop(
        input: (Int, Int), kernel: (Int, Int), strides: (Int, Int), dilations: (Int, Int), pads: [Int]
    ) {
        let channels = 3
        let g = Self.geometry(input: input, kernel: kernel, strides: strides, dilations: dilations, pads: pads)
        let x = Self.values(channels * g.inputSize, seed: 21, specials: true)
        let outHeight = g.output[0]
        for rows in [0..<outHeight, 0..<1, 1..<max(1, outHeight - 2), outHeight / 2..<outHeight] where !rows.isEmpty {
            let expected = Self.directColumns(x, channels: channels, geometry: g, rows: rows)
            for atEnd in [true, false] {
                var columns = [Float](repeating: 9, count: expected.count)
                Self.guarded(x, atEnd: atEnd) { pointer in
                    columns.withUnsafeMutableBufferPointer { target in
                        ConvKernels.im2col2D(
                            pointer, channels: channels, geometry: g, outputRows: rows, into: target.baseAddress!)
                    }
                }
                #expect(columns.map(\.bitPattern) == expected.map(\.bitPattern), "rows \(rows)")
            }
        }
    }
}
