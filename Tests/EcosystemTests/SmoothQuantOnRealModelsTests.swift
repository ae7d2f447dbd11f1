import Foundation
import OnnxIO
import OnnxIR
import TestSupport
import Testing

/// SmoothQuant alone on the transformer models: the float outputs stay equal in ONNX Runtime, and
/// the layers after a LayerNormalization read it directly (the factors went into its scale and bias).
@Suite struct SmoothQuantOnRealModelsTests {
    private static let transformers = ["all_minilm_l6_v2", "magika_v3_3"]

    private static var cases: [(String, String)] {
        guard let folder = RepositoryPaths.sharedModels else { return [] }
        return transformers.filter {
            FileManager.default.fileExists(atPath: folder.appendingPathComponent("\($0)/model.onnx").path)
        }.flatMap { [($0, "0.5"), ($0, "auto")] }
    }

    @Test(
        .enabled(if: !cases.isEmpty, "no shared transformer models (all_minilm_l6_v2, magika_v3_3); skipped"),
        arguments: cases)
    func smoothingKeepsFloatOutputs(model name: String, alpha: String) throws {
        let folder = try #require(RepositoryPaths.sharedModels).appendingPathComponent(name)
        let model = folder.appendingPathComponent("model.onnx").path
        let scratch = try TemporaryDirectory(prefix: "qdqc-smooth")
        defer { scratch.remove() }
        let output = scratch.file("smoothed.onnx")
        // One calibration sample and few rows keep a debug run short; the algebra does not depend on them.
        let convert = try Qdqc.run([
            model, "-o", output.path, "--passes",
            "infer-shapes,fold-constants,fuse-layernorm,smooth-quant{alpha=\(alpha),rows=64}",
            "--calib-data", folder.appendingPathComponent("calib").path, "--calib-samples", "1", "--pass-statistics",
        ])
        try #require(convert.succeeded, "qdqc failed on \(name):\n\(convert.summary)")
        #expect(convert.standardError.contains("smoothed-activations: "), "no smooth-quant statistics for \(name)")
        #expect(!convert.standardError.contains("smoothed-activations: 0\n"), "nothing smoothed in \(name)")

        let check = try Python.runScript(
            "compare_float_models.py",
            [model, output.path, folder.appendingPathComponent("eval").path, "--limit", "2", "--rtol", "1e-4"])
        #expect(check.succeeded, "smoothed \(name) (alpha=\(alpha)) disagrees with the original:\n\(check.summary)")

        let smoothed = try ModelReader.read(path: output.path)
        for node in smoothed.graph.nodes where ["MatMul", "Gemm"].contains(node.opType) {
            guard let input = node.inputs.first ?? nil, let mul = input.producer, mul.opType == "Mul" else { continue }
            let fromLayerNorm = mul.inputs.contains { $0?.producer?.opType == "LayerNormalization" }
            #expect(!fromLayerNorm, "'\(node.displayName)' in \(name) reads a Mul inserted after a LayerNormalization")
        }
        // Nor a Mul restoring the unscaled value for the residual: the layers read a copy of the LayerNormalization.
        let original = try ModelReader.read(path: model)
        #expect(
            mulsReadingLayerNorms(smoothed.graph) <= mulsReadingLayerNorms(original.graph),
            "smoothing \(name) added a Mul reading a LayerNormalization")
        if name == "all_minilm_l6_v2" {
            // Post-LN residuals get copies, the attention output folds through Reshape/Transpose into V.
            for counter in ["inserted-muls: 0\n", "restoring-muls: 0\n"] {
                #expect(convert.standardError.contains(counter), "MiniLM smoothing should report \(counter)")
            }
            if alpha == "0.5" { #expect(!convert.standardError.contains("folded-through-layout: 0\n")) }
        }
    }

    private func mulsReadingLayerNorms(_ graph: Graph) -> Int {
        graph.nodes.filter { node in
            node.opType == "Mul" && node.inputs.contains { $0?.producer?.opType == "LayerNormalization" }
        }.count
    }
}
