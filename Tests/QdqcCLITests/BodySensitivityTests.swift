import Foundation
import TestSupport
import Testing

/// Sensitivity analysis switches main-graph pairs only: the pairs inside If/Loop/Scan bodies are listed as not
/// measured, each with why, instead of disappearing from the table.
@Suite struct BodySensitivityTests {
    @Test func pairsInsideAnIfBodyAreNamedAsNotMeasured() throws {
        let folder = RepositoryPaths.root.appendingPathComponent("passes/insert-qdq/cases/ort-if-body")
        let run = try Qdqc.run([
            "compare", folder.appendingPathComponent("input.onnxtxt").path,
            folder.appendingPathComponent("expected.onnxtxt").path, "--data",
            folder.appendingPathComponent("calib").path, "--sensitivity", "--json", "--quiet",
        ])
        try #require(run.succeeded, "\(run.summary)")
        let json = try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any]
        let sensitivity = try #require(json?["sensitivity"] as? [String: Any], "\(run.standardOutput.prefix(1500))")
        let skipped = try #require(sensitivity["skipped"] as? [[String: Any]], "\(sensitivity.keys)")
        let body = skipped.filter { ($0["reason"] as? String)?.contains("inside an If/Loop/Scan body") == true }
        let names = Set(body.compactMap { $0["tensor"] as? String })
        // The then-branch's weight Wt (a quantized initializer) and its MatMul output, among others.
        #expect(names.contains("Wt") && names.contains("t_mm"), "\(skipped)")
        let measured = (sensitivity["tensors"] as? [[String: Any]] ?? []).compactMap { $0["tensor"] as? String }
        #expect(names.isDisjoint(with: measured))
    }
}
