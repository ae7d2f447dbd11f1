import Calibration
import Foundation
import OnnxText
import Passes
import Testing

/// Runs every golden case: parse input, run the pipeline, print, compare with expected.
///
/// `RECORD_SNAPSHOTS=1` rewrites the expected files and fails the run so a
/// recording is never mistaken for a pass.
@Suite struct GoldenTests {
    /// The cases, or a single marker that fails when none are found.
    static let cases: [GoldenCase?] = {
        let found = GoldenCase.all()
        return found.isEmpty ? [nil] : found
    }()

    @Test(arguments: cases)
    func goldenCase(_ goldenCase: GoldenCase?) throws {
        guard let goldenCase else {
            Issue.record("no golden cases found under \(Repository.passesDirectory.path)/<pass>/cases/")
            return
        }
        let inputText = try Repository.read(goldenCase.inputURL)
        let model = try TextParser.parseModel(inputText)
        let inputPrinted = try TextPrinter().print(model).text
        let pipeline = try goldenCase.pipeline()
        #expect(
            pipeline.elements.contains { $0.passArgument == goldenCase.pass },
            "the pipeline of \(goldenCase.testDescription) does not run \(goldenCase.pass)")
        let manager = try PassManager(pipeline: pipeline, options: PassManagerOptions(diagnostics: .discard))
        let context = PassContext(
            calibrationData: goldenCase.calibrationURL.map { CalibrationDataSource(origin: .files(path: $0.path)) })
        let report = try manager.run(on: model, context: context)
        let actual = try TextPrinter().print(model).text

        #expect(
            report.changed == (actual != inputPrinted),
            "a pass must report a change exactly when the printed model changes")
        if Repository.isRecording {
            try actual.write(to: goldenCase.expectedURL, atomically: true, encoding: .utf8)
            Issue.record("recorded \(goldenCase.expectedURL.path); rerun without RECORD_SNAPSHOTS=1")
            return
        }
        guard FileManager.default.fileExists(atPath: goldenCase.expectedURL.path) else {
            Issue.record("missing \(goldenCase.expectedURL.path); record it with RECORD_SNAPSHOTS=1")
            return
        }
        let expected = try Repository.read(goldenCase.expectedURL)
        #expect(actual == expected, "\(goldenCase.testDescription): output differs from expected.onnxtxt")
        let reprinted = try TextPrinter().print(try TextParser.parseModel(expected)).text
        #expect(reprinted == expected, "expected.onnxtxt must parse and print back unchanged")
    }
}
