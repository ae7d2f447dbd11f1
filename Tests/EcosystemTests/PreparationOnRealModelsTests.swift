import Foundation
import TestSupport
import Testing

/// The preparation passes on every shared model: outputs unchanged in ONNX Runtime, Constant
/// nodes and foldable BatchNormalizations gone.
@Suite struct PreparationOnRealModelsTests {
    private static let sharedModelsMissing =
        "no shared models folder (neither <repo>/../shared/models nor /work/shared/models); skipped"
    private static let pipeline = "infer-shapes,fold-constants,fold-batchnorm,eliminate-dead-code"

    /// BatchNormalizations each model has and how many of them are foldable (all, in these models:
    /// each follows a Conv or ConvTranspose that nothing else reads).
    private static let foldableBatchNorms = [
        "ppocr_mobile_v2_cls": 35, "ppocr_v4_det": 3,
    ]

    @Test(
        .enabled(if: RepositoryPaths.sharedModels != nil, Comment(rawValue: sharedModelsMissing)),
        arguments: RepositoryPaths.sharedModelFiles().map(\.path))
    func preparationKeepsOutputsAndRemovesConstantsAndBatchNorms(model: String) throws {
        let modelURL = URL(fileURLWithPath: model)
        let name = modelURL.deletingLastPathComponent().lastPathComponent
        let evalFolder = modelURL.deletingLastPathComponent().appendingPathComponent("eval")
        let scratch = try TemporaryDirectory(prefix: "qdqc-prepare")
        defer { scratch.remove() }
        let output = scratch.file("prepared.onnx")
        let convert = try Qdqc.run([model, "-o", output.path, "--passes", Self.pipeline, "--quiet"])
        try #require(convert.succeeded, "qdqc failed on \(name):\n\(convert.summary)")

        // Few samples keep the debug CI run short; every sample of a model has the same code path.
        let check = try Python.runScript(
            "compare_float_models.py", [model, output.path, evalFolder.path, "--limit", "4", "--rtol", "1e-4"])
        #expect(check.succeeded, "prepared \(name) disagrees with the original in ONNX Runtime:\n\(check.summary)")
        let report = try OpCountReport(json: check.standardOutput)
        #expect(report.rewritten["Constant", default: 0] == 0, "Constant nodes left in \(name)")
        let batchNorms = report.original["BatchNormalization", default: 0]
        #expect(batchNorms == Self.foldableBatchNorms[name, default: 0], "BatchNormalizations in the original \(name)")
        #expect(
            report.rewritten["BatchNormalization", default: 0] == batchNorms
                - Self.foldableBatchNorms[name, default: 0],
            "foldable BatchNormalizations left in \(name)")
    }
}
