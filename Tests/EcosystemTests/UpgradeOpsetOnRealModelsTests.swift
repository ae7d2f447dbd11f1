import Foundation
import TestSupport
import Testing

/// `upgrade-opset{to=21}` on every shared model (opsets 11 to 17): `onnx.checker` (full check) accepts the
/// result and ONNX Runtime computes the same outputs on `eval/` samples.
@Suite struct UpgradeOpsetOnRealModelsTests {
    private static let sharedModelsMissing =
        "no shared models folder (neither <repo>/../shared/models nor /work/shared/models); skipped"

    @Test(
        .enabled(if: RepositoryPaths.sharedModels != nil, Comment(rawValue: sharedModelsMissing)),
        arguments: RepositoryPaths.sharedModelFiles().map(\.path))
    func upgradeKeepsOutputs(model: String) throws {
        let modelURL = URL(fileURLWithPath: model)
        let name = modelURL.deletingLastPathComponent().lastPathComponent
        let evalFolder = modelURL.deletingLastPathComponent().appendingPathComponent("eval")
        let scratch = try TemporaryDirectory(prefix: "qdqc-upgrade-opset")
        defer { scratch.remove() }
        let output = scratch.file("upgraded.onnx")
        let convert = try Qdqc.run([model, "-o", output.path, "--passes", "upgrade-opset{to=21}", "--quiet"])
        try #require(convert.succeeded, "qdqc failed on \(name):\n\(convert.summary)")
        let check = try Python.runScript(
            "opset_upgrade_check.py",
            [model, output.path, "--data", evalFolder.path, "--limit", "2", "--expect-opset", "21"])
        #expect(check.succeeded, "\(name) at opset 21 disagrees with the original:\n\(check.summary)")
    }
}
