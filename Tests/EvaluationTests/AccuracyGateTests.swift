import Evaluation
import Testing

/// The gate's settings check, its SQNR checks and the failure sentence the CLI prints.
@Suite struct AccuracyGateTests {
    private static func evaluation(_ sqnrs: [String: Double]) -> ReportEvaluation {
        ReportEvaluation(
            source: "eval-data", data: "d", firstSample: 0, endSample: 1, note: "",
            outputs: sqnrs.keys.sorted().map { name in
                let row = TensorComparison(
                    tensor: name, quantizedTensor: name, kind: .output, node: nil, opType: "Add", position: 0,
                    sqnr: sqnrs[name] ?? 0, cosine: 1, maxAbsError: 0, ownQuantizationSQNR: nil, samples: 1,
                    elements: 1, nonFiniteElements: 0)
                return ReportOutputAccuracy(row: row)
            })
    }

    @Test func settingsThatCannotWorkAreNamed() {
        #expect(AccuracyGate(maxDrop: 1).problem?.contains("--max-drop needs --metric") == true)
        #expect(AccuracyGate(metric: "x {model}").problem?.contains("--metric is used by --max-drop") == true)
        #expect(AccuracyGate(maxDrop: 1, metric: "x").problem?.contains("{model}") == true)
        #expect(AccuracyGate(minSQNR: .infinity).problem == "--min-sqnr must be a finite number")
        #expect(AccuracyGate(keepOnFailure: true).problem?.contains("--keep-on-failure") == true)
        #expect(AccuracyGate(minSQNR: 20, keepOnFailure: true).problem == nil)
        #expect(!AccuracyGate().isActive)
    }

    @Test func everyOutputIsCheckedAgainstTheSQNRBar() throws {
        let gate = AccuracyGate(minSQNR: 20)
        let checks = try gate.sqnrChecks(Self.evaluation(["a": 25, "b": 19.5]), model: "m.onnx")
        #expect(checks.map(\.subject) == ["a", "b"])
        #expect(checks.map(\.passed) == [true, false])
        let failure = try #require(gate.failure(of: checks, model: "m.onnx", output: "q.onnx"))
        #expect(
            failure.description
                == "m.onnx: accuracy gate failed: output 'b' SQNR 19.50 dB < --min-sqnr 20; q.onnx not written")
        #expect(gate.failure(of: [checks[0]], model: "m.onnx", output: "q.onnx") == nil)
        #expect(ReportGate(checks: checks).passed == false)
    }

    @Test func anSQNRBarNeedsSamplesAndComparedOutputs() throws {
        let gate = AccuracyGate(minSQNR: 20)
        #expect(throws: ConversionAuditError.noEvaluationData) { try gate.sqnrChecks(nil, model: "m.onnx") }
        #expect(throws: ConversionAuditError.noComparableOutput(model: "m.onnx")) {
            try gate.sqnrChecks(Self.evaluation([:]), model: "m.onnx")
        }
        #expect(try AccuracyGate().sqnrChecks(nil, model: "m.onnx").isEmpty, "no bar, nothing to check")
    }

    @Test func theDropCheckRunsTheMetricOnBothModels() throws {
        let gate = AccuracyGate(maxDrop: 0.5, metric: "case {model} in *float*) echo 0.9;; *) echo 0.2;; esac")
        var written: [String] = []
        let check = try #require(
            try gate.dropCheck(floatPath: "float.onnx", outputPath: "dir/out.onnx") { written.append($0) })
        #expect(written.count == 1 && written[0].hasSuffix("/out.onnx"))
        #expect(check.floatMetric == 0.9 && check.quantizedMetric == 0.2)
        #expect(!check.passed)
        #expect(abs(check.value - 0.7) < 1e-12)
    }
}
