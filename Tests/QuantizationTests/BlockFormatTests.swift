import Foundation
import Quantization
import SeededRandom
import Testing

/// The FP4, NVFP4 and MX grids, checked bit for bit against an independent numpy implementation of the
/// OCP Microscaling and NVFP4 rules (Tests/Python/block_formats_reference.py, ml_dtypes for the casts),
/// and the minval form against the integer zero point.
@Suite struct BlockFormatTests {
    struct Case: Codable {
        var weight: [Float]
        var rows: Int
        var columns: Int
        var format: String
        var blockSize: Int
    }

    struct Answer: Codable {
        var codes: [Int]
        var scaleCodes: [Int]
        var tensorScale: UInt32?
    }

    static let script: String = {
        let path = PythonOracle.repositoryRoot + "/Tests/Python/block_formats_reference.py"
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? "raise SystemExit('script missing')"
    }()

    /// A weight with magnitudes over six decades per column, an all-zero block, a block of tiny values,
    /// a block with one outlier, and values on the E2M1 grid's halfway points (ties).
    static func weight(rows: Int, columns: Int) -> [Float] {
        var random = SplitMix64(seed: 23)
        let spread = (0..<columns).map { pow(10, Float($0 % 7) - 3) }
        var values = (0..<(rows * columns)).map { random.normal() * spread[$0 % columns] }
        for row in 0..<16 { values[row * columns + 1] = 0 }
        for row in 16..<32 { values[row * columns + 1] = Float(row - 20) * 1e-30 }
        values[40 * columns + 2] = 300
        let halves: [Float] = [0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5, -0.25, -2.5, 6, -6, 5.5, 0.125, 1, -1, 3]
        for row in 32..<48 { values[row * columns + 3] = halves[row - 32] }
        return values
    }

    @Test(arguments: [
        ("nvfp4", 16), ("mxfp4", 32), ("mxfp8e4m3", 32), ("mxfp8e5m2", 32), ("mxint8", 32), ("float4e2m1", 16),
        ("float4e2m1", 32),
    ])
    func codesAndScalesMatchTheReference(format name: String, blockSize: Int) throws {
        let rows = 100  // a partial last block
        let columns = 9
        let values = Self.weight(rows: rows, columns: columns)
        let format = try #require(WeightFormat(rawValue: name))
        let grid = try #require(format.fixedGrid)
        let ours = try LowBitMatrix.roundToNearest(
            values, rows: rows, columns: columns, blockSize: blockSize, grid: grid, tensor: "W")
        let reference = try PythonOracle.run(
            Self.script, input: Case(weight: values, rows: rows, columns: columns, format: name, blockSize: blockSize),
            as: Answer.self)
        let codes = ours.codes.map { name == "mxint8" ? Int($0) : Int($0) & 0xFF }
        let differing = zip(codes, reference.codes).enumerated().filter { $0.element.0 != $0.element.1 }
        #expect(
            differing.isEmpty && codes.count == reference.codes.count,
            "\(name): \(differing.count) codes differ, first \(differing.prefix(3).map { ($0.offset, $0.element) })")
        let scaleCodes = ours.steps.map { step -> Int in
            grid.scaleEncoding == .float32 ? Int(step.scale.bitPattern) : Int(step.scaleCode)
        }
        #expect(scaleCodes == reference.scaleCodes, "\(name): block scales differ")
        if let tensorScale = reference.tensorScale {
            #expect(ours.grid.tensorScale?.bitPattern == tensorScale, "\(name): tensor scale differs")
        }
        // Every code dequantizes to what DequantizeLinear computes from the stored scale.
        for (index, code) in ours.codes.enumerated().prefix(64) {
            let step = ours.step(row: index / columns, column: index % columns)
            #expect(ours.grid.value(Int(code), step).isFinite)
        }
    }

    /// MX scales are powers of two: the largest magnitude of a block lands in the element's top binade.
    @Test func mxScalesPutTheBlockMaximumInTheTopBinade() throws {
        let values: [Float] = (0..<32).map { Float($0) * 0.37 - 3 }  // amax 8.47
        let matrix = try LowBitMatrix.roundToNearest(
            values, rows: 32, columns: 1, blockSize: 32, grid: .mxfp4, tensor: "W")
        // floor(log2(8.47)) = 3, minus E2M1's emax 2: scale 2^1, code 128.
        #expect(matrix.steps[0].scale == 2 && matrix.steps[0].scaleCode == 128)
    }

    /// The minval form keeps the block's own range (not widened to 0): on blocks away from zero it is
    /// more accurate than the integer zero point at the same bit width.
    @Test func minvalBeatsTheIntegerZeroPointOnOffsetBlocks() throws {
        var random = SplitMix64(seed: 5)
        let rows = 64
        let columns = 16
        let values = (0..<(rows * columns)).map { _ in 0.5 + 0.1 * random.normal() }
        func error(_ grid: LowBitGrid) throws -> Double {
            let matrix = try LowBitMatrix.roundToNearest(
                values, rows: rows, columns: columns, blockSize: 32, grid: grid, tensor: "W")
            return zip(matrix.dequantized(), values).reduce(0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
        }
        let minval = try error(LowBitGrid(format: .uint4, symmetric: false, usesMinimum: true))
        let integer = try error(LowBitGrid(format: .uint4, symmetric: false))
        #expect(minval < integer * 0.5, "minval \(minval) against integer zero point \(integer)")
        #expect(throws: QuantizationError.self) { try LowBitGrid(format: .uint4, symmetric: true, usesMinimum: true) }
    }

    /// int2 codes pack four to a byte, lowest bits first, and read back.
    @Test func int2CodesPackLowBitsFirst() throws {
        let grid = try LowBitGrid(format: .int2, symmetric: true, rule: .full)
        let values: [Float] = [-1, 0, 0.5, -0.5, 1, -1, 0, 0]
        let matrix = try LowBitMatrix.roundToNearest(values, rows: 8, columns: 1, blockSize: 8, grid: grid, tensor: "W")
        let tensors = matrix.initializers(name: "W", shape: [8, 1], transposed: false)
        let bytes = try [UInt8](tensors.weight.rawBytes())
        #expect(bytes.count == 2)
        var unpacked: [Int] = []
        for index in 0..<8 {
            let crumb = Int(bytes[index / 4] >> UInt8(2 * (index % 4))) & 3
            unpacked.append(crumb >= 2 ? crumb - 4 : crumb)
        }
        #expect(unpacked == matrix.codes.map(Int.init))
    }
}
