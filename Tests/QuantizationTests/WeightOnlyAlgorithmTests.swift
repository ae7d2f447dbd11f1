import Foundation
import Quantization
import SeededRandom
import Testing

/// RTN, GPTQ and AWQ on random layers, checked against ONNX Runtime's `MatMulNBitsQuantizer` (RTN) and
/// against straightforward numpy transcriptions of the papers' algorithms (GPTQ, AWQ), run in the test venv.
@Suite struct WeightOnlyAlgorithmTests {
    /// A random `[rows, columns]` weight with per-column magnitudes spread over two decades.
    static func weight(rows: Int, columns: Int, seed: UInt64) -> [Float] {
        var random = SplitMix64(seed: seed)
        let spread = (0..<columns).map { _ in 0.02 + 2 * random.nextUnitFloat() }
        return (0..<(rows * columns)).map { random.normal() * spread[$0 % columns] }
    }

    /// Correlated layer inputs `[count, channels]` with a few outlier channels, as language models have.
    static func inputs(count: Int, channels: Int, seed: UInt64) -> [Float] {
        var random = SplitMix64(seed: seed)
        let mixing = random.normals(channels * channels).map { $0 * 0.3 }
        let gains = (0..<channels).map { $0 % 17 == 3 ? Float(12) : Float(1) }
        var rows = [Float](repeating: 0, count: count * channels)
        for row in 0..<count {
            let base = random.normals(channels)
            for channel in 0..<channels {
                var value = base[channel]
                for other in 0..<min(channels, 8) { value += base[other] * mixing[other * channels + channel] }
                rows[row * channels + channel] = value * gains[channel]
            }
        }
        return rows
    }

    struct RTNCase: Codable {
        var weight: [Float]
        var rows: Int
        var columns: Int
        var blockSize: Int
        var symmetric: Bool
    }

    struct RTNAnswer: Codable {
        var codes: [Int]
        var scales: [Float]
        var zeroPoints: [Int]?
    }

    static let ortRTN = """
        import json, logging, sys
        import numpy as np
        from onnx import helper, numpy_helper
        from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer, DefaultWeightOnlyQuantConfig
        from onnxruntime.quantization.quant_utils import QuantFormat
        logging.disable(logging.INFO)
        case = json.load(open(sys.argv[1]))
        K, N = case["rows"], case["columns"]
        W = np.array(case["weight"], dtype=np.float32).reshape(K, N)
        g = helper.make_graph([helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")], "g",
            [helper.make_tensor_value_info("x", 1, [1, K])], [helper.make_tensor_value_info("y", 1, [1, N])],
            [numpy_helper.from_array(W, "W")])
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 21)])
        q = MatMulNBitsQuantizer(m, algo_config=DefaultWeightOnlyQuantConfig(
            block_size=case["blockSize"], is_symmetric=case["symmetric"], quant_format=QuantFormat.QDQ))
        q.process()
        init = {t.name: numpy_helper.to_array(t) for t in q.model.model.graph.initializer}
        answer = {"codes": init["W_DQ_Q4"].astype(np.int64).ravel().tolist(),
                  "scales": init["W_DQ_scales"].astype(np.float32).ravel().tolist()}
        if "W_DQ_zero_points" in init:
            answer["zeroPoints"] = init["W_DQ_zero_points"].astype(np.int64).ravel().tolist()
        json.dump(answer, open(sys.argv[2], "w"))
        """

    /// qdqc's RTN is ONNX Runtime's RTN, code for code and scale for scale (symmetric int4 with the
    /// `extreme` rule, asymmetric uint4), ties included, except for an all-zero block, where ORT writes
    /// scale 0 and qdqc 1.
    @Test(arguments: [true, false])
    func roundToNearestMatchesOnnxRuntime(symmetric: Bool) throws {
        let rows = 200
        let columns = 24
        var weight = Self.weight(rows: rows, columns: columns, seed: symmetric ? 11 : 12)
        for row in 0..<32 { weight[row * columns + 5] = 0 }  // one all-zero block
        // A block whose ends have equal magnitude (ORT takes the negative end) and whose values sit exactly
        // on halves of the step (multiples of 0.125 with step 0.25).
        for row in 32..<64 { weight[row * columns + 3] = Float(row - 48) * 0.125 }
        weight[32 * columns + 3] = -2
        weight[63 * columns + 3] = 2
        let grid = try LowBitGrid(format: symmetric ? .int4 : .uint4, symmetric: symmetric, rule: .extreme)
        let ours = try LowBitMatrix.roundToNearest(
            weight, rows: rows, columns: columns, blockSize: 32, grid: grid, tensor: "W")
        let ort = try PythonOracle.run(
            Self.ortRTN,
            input: RTNCase(weight: weight, rows: rows, columns: columns, blockSize: 32, symmetric: symmetric),
            as: RTNAnswer.self)
        let differing = zip(ours.codes.map(Int.init), ort.codes).filter { $0 != $1 }.count
        #expect(differing == 0 && ours.codes.count == ort.codes.count, "\(differing) codes differ from ORT's")
        let zeroBlock = 5  // block 0 of column 5
        for (index, step) in ours.steps.enumerated() {
            if index == zeroBlock {
                #expect(ort.scales[index] == 0 && step.scale == 1, "ORT's scale 0 against qdqc's 1")
                continue
            }
            #expect(step.scale.bitPattern == ort.scales[index].bitPattern, "scale \(index)")
            if let zeroPoints = ort.zeroPoints { #expect(step.zeroPoint == zeroPoints[index], "zero point \(index)") }
        }
        #expect(ours.steps.count == 7 * columns, "200 rows in blocks of 32: six full blocks and one of 8")
    }

    struct GPTQCase: Codable {
        var weight: [Float]
        var hessian: [Double]
        var rows: Int
        var columns: Int
        var blockSize: Int
        var actOrder: Bool
        var damp: Double
    }

    struct Codes: Codable {
        var codes: [Int]
    }

    /// The paper's Algorithm 1, column by column without lazy batches, in float64, with qdqc's grid
    /// (symmetric int4, `extreme` rule, rounding half away from zero). With act-order, blocks take their
    /// steps from the original weights (static groups), as a blocked DequantizeLinear needs contiguous blocks.
    static let numpyGPTQ = """
        import json, sys
        import numpy as np
        c = json.load(open(sys.argv[1]))
        K, N, B = c["rows"], c["columns"], c["blockSize"]
        W = np.array(c["weight"], dtype=np.float32).reshape(K, N).astype(np.float64)
        H = np.array(c["hessian"], dtype=np.float64).reshape(K, K)
        def rnd(x): return np.sign(x) * np.floor(np.abs(x) + 0.5)
        def step(block):
            b = block.astype(np.float32)
            mx, mn = b.max(axis=0), b.min(axis=0)
            m = np.where(np.abs(mx) > np.abs(mn), mx, mn)
            s = (m / np.float32(-8)).astype(np.float32)
            return np.where(s == 0, np.float32(1), s)
        def code(v, s):
            return np.clip(rnd((v.astype(np.float32) * (np.float32(1) / s)).astype(np.float32)), -8, 7)
        dead = np.diag(H) == 0
        H[dead, dead] = 1
        W[dead, :] = 0
        perm = np.argsort(-np.diag(H), kind="stable") if c["actOrder"] else np.arange(K)
        steps = {}
        if c["actOrder"]:
            for b in range(0, K, B): steps[b // B] = step(W[b:b + B])
        Wp = W[perm].copy(); Hp = H[perm][:, perm]
        Hp += c["damp"] * np.mean(np.diag(Hp)) * np.eye(K)
        U = np.linalg.cholesky(np.linalg.inv(Hp)).T
        codes = np.zeros((K, N), dtype=np.int64)
        pos = np.argsort(perm)
        for i in range(K):
            src = perm[i]; blk = src // B
            if blk not in steps:
                members = [pos[r] for r in range(blk * B, min(K, blk * B + B))]
                steps[blk] = step(Wp[members])
            s = steps[blk]
            q = code(Wp[i], s)
            codes[src] = q
            err = (Wp[i] - (q * s).astype(np.float32).astype(np.float64)) / U[i, i]
            Wp[i + 1:] -= np.outer(U[i, i + 1:], err)
        json.dump({"codes": codes.ravel().tolist()}, open(sys.argv[2], "w"))
        """

    /// GPTQ gives the transcription's integers (a rare code may differ where float64 sums in another order
    /// land a value on the other side of a rounding boundary), and its layer output error is below RTN's.
    @Test(arguments: [(true, 32), (false, 32), (true, 96)])
    func gptqMatchesTheTranscription(actOrder: Bool, blockSize: Int) throws {
        let rows = 96
        let columns = 20
        let count = 400
        let weight = Self.weight(rows: rows, columns: columns, seed: 21)
        let x = Self.inputs(count: count, channels: rows, seed: 22)
        var hessian = [Double](repeating: 0, count: rows * rows)
        for sample in 0..<count {
            for i in 0..<rows {
                let a = Double(x[sample * rows + i])
                for j in 0..<rows { hessian[i * rows + j] += a * Double(x[sample * rows + j]) }
            }
        }
        let grid = try LowBitGrid(format: .int4, symmetric: true, rule: .extreme)
        // A lazy block shorter than the matrix exercises the deferred update.
        let gptq = GPTQ(blockSize: blockSize, grid: grid, actOrder: actOrder, damp: 0.01, lazyBlock: 40)
        let ours = try gptq.quantize(weight, rows: rows, columns: columns, hessian: hessian, tensor: "W")
        let reference = try PythonOracle.run(
            Self.numpyGPTQ,
            input: GPTQCase(
                weight: weight, hessian: hessian, rows: rows, columns: columns, blockSize: blockSize,
                actOrder: actOrder, damp: 0.01),
            as: Codes.self)
        let differing = zip(ours.codes.map(Int.init), reference.codes).filter { $0 != $1 }.count
        #expect(differing <= ours.codes.count / 200, "\(differing) of \(ours.codes.count) codes differ")
        let rtn = try LowBitMatrix.roundToNearest(
            weight, rows: rows, columns: columns, blockSize: blockSize, grid: grid, tensor: "W")
        let gptqError = Self.outputError(x, count: count, weight, ours.dequantized(), rows: rows, columns: columns)
        let rtnError = Self.outputError(x, count: count, weight, rtn.dequantized(), rows: rows, columns: columns)
        #expect(gptqError < 0.8 * rtnError, "GPTQ \(gptqError) against RTN \(rtnError)")
    }

    struct AWQCase: Codable {
        var rows: [Float]
        var count: Int
        var channels: Int
        var weight: [Float]
        var columns: Int
        var blockSize: Int
    }

    struct AWQAnswer: Codable {
        var ratio: Double
        var clips: [Double]
        /// The error of every candidate clip, `[candidate][block * columns + column]`.
        var errors: [[Double]]
    }

    /// AWQ's `auto_scale` and `auto_clip` for one linear layer, in numpy: the ratio whose scales give the
    /// smallest output error, then, per block and output channel, the shrink with the smallest block error.
    static let numpyAWQ = """
        import json, sys
        import numpy as np
        c = json.load(open(sys.argv[1]))
        X = np.array(c["rows"], dtype=np.float32).reshape(c["count"], c["channels"])
        W = np.array(c["weight"], dtype=np.float32).reshape(c["channels"], c["columns"])
        B = c["blockSize"]
        def rnd(x): return np.sign(x) * np.floor(np.abs(x) + 0.5)
        def rtn(w, clip=1.0):
            out = np.zeros_like(w)
            for b in range(0, w.shape[0], B):
                blk = w[b:b + B]
                mx, mn = blk.max(axis=0), blk.min(axis=0)
                m = np.where(np.abs(mx) > np.abs(mn), mx, mn) * np.float32(clip)
                s = (m / np.float32(-8)).astype(np.float32)
                s = np.where(s == 0, np.float32(1), s)
                out[b:b + B] = np.clip(rnd(blk * (np.float32(1) / s)), -8, 7) * s
            return out
        ref = X.astype(np.float64) @ W.astype(np.float64)
        mean = np.abs(X.astype(np.float64)).mean(axis=0).astype(np.float32)
        best = None
        for r in range(20):
            ratio = r / 20
            s = np.maximum(np.power(mean, np.float32(ratio)), np.float32(1e-4)).astype(np.float32)
            s = s / np.sqrt(s.max() * s.min())
            wq = rtn(W * s[:, None]) / s[:, None]
            err = np.mean((X.astype(np.float64) @ wq.astype(np.float64) - ref) ** 2)
            if best is None or err < best[0]: best = (err, ratio, s)
        _, ratio, s = best
        Xs, Ws = X / s[None, :], W * s[:, None]
        nb = (Ws.shape[0] + B - 1) // B
        clips = np.ones((nb, Ws.shape[1])); errs = np.full((nb, Ws.shape[1]), np.inf); table = []
        for i in range(10):
            ratio_c = 1 - i / 20
            d = rtn(Ws, ratio_c) - Ws
            candidate = np.zeros((nb, Ws.shape[1]))
            for b in range(nb):
                e = (Xs[:, b * B:(b + 1) * B].astype(np.float64) @ d[b * B:(b + 1) * B].astype(np.float64)) ** 2
                e = e.sum(axis=0)
                candidate[b] = e
                better = e < errs[b]
                errs[b][better] = e[better]; clips[b][better] = ratio_c
            table.append(candidate.ravel().tolist())
        json.dump({"ratio": ratio, "clips": clips.ravel().tolist(), "errors": table}, open(sys.argv[2], "w"))
        """

    /// AWQ picks the transcription's ratio, and for every block a clip whose error (by the transcription's
    /// float64 sums) is the smallest or within 0.1 % of it, and beats RTN on the rows.
    @Test func awqMatchesTheTranscription() throws {
        let channels = 64
        let columns = 24
        let count = 256
        let x = Self.inputs(count: count, channels: channels, seed: 31)
        let weight = Self.weight(rows: channels, columns: columns, seed: 32)
        let grid = try LowBitGrid(format: .int4, symmetric: true, rule: .extreme)
        let search = AWQSearch(blockSize: 32, grid: grid)
        var magnitude = [Double](repeating: 0, count: channels)
        for row in 0..<count {
            for channel in 0..<channels { magnitude[channel] += Double(abs(x[row * channels + channel])) }
        }
        let mean = magnitude.map { Float($0 / Double(count)) }
        let choice = try search.scales(
            rows: x, rowCount: count, meanMagnitude: mean, weights: [(weight, columns)], tensor: "x")
        let reference = try PythonOracle.run(
            Self.numpyAWQ,
            input: AWQCase(rows: x, count: count, channels: channels, weight: weight, columns: columns, blockSize: 32),
            as: AWQAnswer.self)
        #expect(choice.ratio == Float(reference.ratio))
        #expect(choice.errorWithScaling <= choice.errorWithoutScaling)
        let scaledRows = (0..<(count * channels)).map { x[$0] / choice.scales[$0 % channels] }
        let scaledWeight = (0..<(channels * columns)).map { weight[$0] * choice.scales[$0 / columns] }
        let clips = try search.clipRatios(
            rows: scaledRows, rowCount: count, weight: scaledWeight, channels: channels, columns: columns, tensor: "W")
        for (index, clip) in clips.enumerated() {
            let candidate = Int((20 * (1 - Double(clip))).rounded())
            let best = reference.errors.map { $0[index] }.min() ?? 0
            let ours = reference.errors[candidate][index]
            #expect(ours <= best * 1.001 + 1e-12, "block/column \(index): clip \(clip) error \(ours), best \(best)")
        }
    }

    /// The block-by-block refinement (`clipSweeps`) only moves a block's clip when the whole output error
    /// drops, so it never ends above the independent per-block choice, and on correlated inputs it ends below.
    @Test func clipSweepsLowerTheWholeOutputError() throws {
        let (count, channels, columns) = (96, 128, 24)
        let x = Self.inputs(count: count, channels: channels, seed: 41)
        let weight = Self.weight(rows: channels, columns: columns, seed: 42)
        let grid = try LowBitGrid(format: .int4, symmetric: true, rule: .extreme)
        func error(sweeps: Int) throws -> Double {
            let search = AWQSearch(blockSize: 32, grid: grid, clipGrid: 40, clipSweeps: sweeps)
            let clip = try search.clipRatios(
                rows: x, rowCount: count, weight: weight, channels: channels, columns: columns, tensor: "W")
            let quantized = try LowBitMatrix.roundToNearest(
                weight, rows: channels, columns: columns, blockSize: 32, grid: grid, clip: clip, tensor: "W")
            return Self.outputError(x, count: count, weight, quantized.dequantized(), rows: channels, columns: columns)
        }
        let independent = try error(sweeps: 0)
        let once = try error(sweeps: 1)
        let twice = try error(sweeps: 2)
        #expect(once < independent)
        #expect(twice <= once * (1 + 1e-6))
    }

    /// A layer producing logits: each block's clip minimises the error weighted by the float softmax
    /// (`p + 1/columns`), checked by brute force over the candidates with the softmax computed here.
    @Test func logitClipSearchWeighsErrorsBySoftmax() throws {
        let (count, channels, columns) = (24, 64, 40)
        let x = Self.inputs(count: count, channels: channels, seed: 51)
        let weight = Self.weight(rows: channels, columns: columns, seed: 52).map { $0 * 4 }
        let grid = try LowBitGrid(format: .int4, symmetric: true, rule: .extreme)
        let search = AWQSearch(blockSize: 32, grid: grid, clipGrid: 20)
        let clip = try search.clipRatios(
            rows: x, rowCount: count, weight: weight, channels: channels, columns: columns, logits: true, tensor: "W")
        var probability = [Double](repeating: 0, count: count * columns)
        for row in 0..<count {
            let logits = (0..<columns).map { column in
                (0..<channels).reduce(0.0) {
                    $0 + Double(x[row * channels + $1]) * Double(weight[$1 * columns + column])
                }
            }
            let top = logits.max() ?? 0
            let sum = logits.reduce(0.0) { $0 + exp($1 - top) }
            for column in 0..<columns { probability[row * columns + column] = exp(logits[column] - top) / sum }
        }
        let plain = try search.clipRatios(
            rows: x, rowCount: count, weight: weight, channels: channels, columns: columns, tensor: "W")
        #expect(plain != clip, "the softmax weighting changed no clip: the test shows nothing")
        for block in 0..<2 {
            for column in 0..<columns {
                var errors: [Float: Double] = [:]
                for step in 0..<10 {
                    let ratio = 1 - Float(step) / 20
                    let quantized = try LowBitMatrix.roundToNearest(
                        weight, rows: channels, columns: columns, blockSize: 32, grid: grid,
                        clip: [Float](repeating: ratio, count: 2 * columns), tensor: "W"
                    ).dequantized()
                    errors[ratio] = (0..<count).reduce(0.0) { sum, row in
                        let difference = (block * 32..<(block + 1) * 32).reduce(0.0) { inner, channel in
                            let index = channel * columns + column
                            return inner + Double(x[row * channels + channel])
                                * Double(quantized[index] - weight[index])
                        }
                        let weightOfError = probability[row * columns + column] + 1 / Double(columns)
                        return sum + weightOfError * difference * difference
                    }
                }
                let chosen = clip[block * columns + column]
                let best = errors.values.min() ?? 0
                #expect((errors[chosen] ?? .infinity) <= best * (1 + 1e-4) + 1e-12, "block \(block) column \(column)")
            }
        }
    }

    /// Squared output error `‖X·W − X·Q‖²` over the rows.
    static func outputError(
        _ x: [Float], count: Int, _ weight: [Float], _ quantized: [Float], rows: Int, columns: Int
    ) -> Double {
        var total = 0.0
        for sample in 0..<count {
            for column in 0..<columns {
                var difference = 0.0
                for row in 0..<rows {
                    difference +=
                        Double(x[sample * rows + row])
                        * (Double(weight[row * columns + column]) - Double(quantized[row * columns + column]))
                }
                total += difference * difference
            }
        }
        return total
    }
}
