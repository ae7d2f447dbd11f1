import Foundation

/// A tiny decoder LM whose first weight is ruined by 4-bit rounding and fine in 8 bits, for `--mixed-precision`
/// on weight-only models: token ids → Gather (embedding) → MatMul `w1` → MatMul `head` → logits.
///
/// Token t embeds as the one-hot `e_{2t}` of 16 dimensions (odd ones are always 0). `w1` `[16, 8]` maps `e_{2t}`
/// back to token t with weight 1, and every odd row holds 20: an outlier that multiplies a zero input, so the
/// float model ignores it, but in blocks of 4 rows it sets every block's step. On an int4 grid (step 20/7) the
/// 1s round to 0 and the model forgets the text (perplexity 8, the vocabulary); on int8 (step 20/127) they
/// become 6 steps, 0.945. The head `[8, 8]` gives logit 5 to the next token (t + 1 mod 8): only 0s and 5s,
/// which int4 holds exactly, so it has nothing to gain from a raise.
///
/// A wider variant (`width` 64, `outlier` 30: `e_{8t}`, seven outlier rows in eight) has blocks of 16 and 32
/// for NVFP4 and MX, and an outlier large enough that the FP4 grids (steps of 30/6 or 2^2 around the 1s) round
/// the 1s to 0 as well.
public enum OutlierLanguageModel {
    /// The vocabulary.
    public static let vocabulary = 8
    /// The block size the weights are quantized in.
    public static let blockSize = 4

    /// `w1`'s values, row-major `[width, 8]`: row `(width / 8) · t` maps to token t, every other row holds
    /// `outlier`.
    public static func firstWeight(width: Int = 16, outlier: Float = 20) -> [Float] {
        let stride = width / vocabulary
        return (0..<width).flatMap { row in
            (0..<vocabulary).map { column -> Float in
                row % stride != 0 ? outlier : (row / stride == column ? 1 : 0)
            }
        }
    }

    /// The model in ONNX text.
    public static func text(width: Int = 16, outlier: Float = 20) -> String {
        let stride = width / vocabulary
        let embedding = (0..<vocabulary).flatMap { token in (0..<width).map { $0 == stride * token ? 1.0 : 0.0 } }
        let head = (0..<vocabulary).flatMap { row in (0..<vocabulary).map { $0 == (row + 1) % vocabulary ? 5.0 : 0 } }
        func values(_ values: [Double]) -> String { values.map { "\($0)" }.joined(separator: ", ") }
        let weight = firstWeight(width: width, outlier: outlier).map(Double.init)
        return """
            <
               ir_version: 8,
               opset_import: ["" : 17]
            >
            lm (int64[1,6] input_ids) => (float[1,6,\(vocabulary)] logits)
               <float[\(vocabulary),\(width)] embedding = {\(values(embedding))},
                float[\(width),\(vocabulary)] w1 = {\(values(weight))},
                float[\(vocabulary),\(vocabulary)] head = {\(values(head))}>
            {
               hidden = Gather (embedding, input_ids)
               [first] mixed = MatMul (hidden, w1)
               [lm_head] logits = MatMul (mixed, head)
            }
            """
    }

    /// Writes the model to `lm.onnxtxt` and eight sequences counting up (mod 8) from 0...7 to `data/`, one
    /// folder per sample with `input_ids.npy`; returns the model's and the data's paths.
    public static func write(in scratch: TemporaryDirectory, width: Int = 16, outlier: Float = 20) throws
        -> (model: String, data: String)
    {
        try Data(text(width: width, outlier: outlier).utf8).write(to: scratch.file("lm.onnxtxt"))
        for first in 0..<vocabulary {
            let tokens = (0..<6).map { Int64((first + $0) % vocabulary) }
            let sample = scratch.file("data").appendingPathComponent(String(format: "%04d", first))
            try FileManager.default.createDirectory(at: sample, withIntermediateDirectories: true)
            try Int64Npy.data(tokens, shape: [1, tokens.count]).write(
                to: sample.appendingPathComponent("input_ids.npy"))
        }
        return (scratch.path("lm.onnxtxt"), scratch.path("data"))
    }

    /// The arguments converting `model` to int4 weights (blocks of 4) measured on `data` with the perplexity
    /// target `maxIncrease` and `--max-wide-fraction` `bound`.
    public static func mixedPrecisionArguments(
        model: String, data: String, output: String, report: String, maxIncrease: String, bound: String
    ) -> [String] {
        [
            model, "-o", output, "--activations", "none", "--weights", "int4", "--block-size", String(blockSize),
            "--eval-data", data, "--perplexity", "input_ids", "--max-perplexity-increase", maxIncrease,
            "--mixed-precision", "--max-wide-fraction", bound, "--report", report,
        ]
    }
}
