import Evaluation
import Testing

/// `TuningSearch` on made-up measurements: the greedy walk, the objective, the budget and determinism.
@Suite struct TuningSearchTests {
    private static let start = TuningSetting(calibrationMethod: "minmax")
    private static let space = TuningSpace(around: start, equalizes: false)

    /// A landscape of an output `a` and a logits tensor `b` (ranked alike): mse helps `a`, GPTAQ helps `b` only after mse, bias correction lifts `a`
    /// a lot but sinks `b` (a trade the objective must refuse), percentile is refused like a bad flag combination.
    private static func landscape(_ setting: TuningSetting) -> TuningOutcome<TuningSetting> {
        if setting.calibrationMethod == "percentile" { return .skipped("refused") }
        var a = 20.0
        var b = 22.0
        if setting.calibrationMethod == "mse" { a += 3 }
        if setting.calibrationMethod == "auto" { a += 1 }
        if setting.weightMethod == "gptaq" { b += setting.calibrationMethod == "mse" ? 2 : -1 }
        if setting.biasCorrection {
            a += 10
            b -= 4
        }
        if setting.smoothQuant != nil { a -= 0.5 }
        return .measured(
            TuningMeasurement(
                outputs: [ReportOutputSQNR(output: "a", sqnr: a)], logits: [ReportOutputSQNR(output: "b", sqnr: b)]),
            setting)
    }

    @Test func theChosenSettingIsTheBestMeasuredAndTheWalkFollowsTheBestNeighbour() throws {
        let (report, chosen) = try TuningSearch(space: Self.space, budget: 50).run(
            start: Self.start, measure: Self.landscape)
        #expect(chosen == report.chosen)
        // mse (a 23, b 22) in round 1; GPTAQ on top of it (a 23, b 24) in round 2; bias correction always sinks b.
        #expect(chosen == TuningSetting(calibrationMethod: "mse", weightMethod: "gptaq"), "\(report.trials)")
        #expect(report.stoppedBy == "no-improvement")
        let measured = report.trials.compactMap { trial in
            trial.outputs.map { (trial.setting, $0 + (trial.logits ?? [])) }
        }
        #expect(measured.count == report.conversions)
        let chosenOutputs = try #require(measured.first { $0.0 == chosen }?.1)
        for (setting, outputs) in measured {
            #expect(!TuningObjective.isBetter(outputs, than: chosenOutputs), "\(setting.label) ranks above the choice")
        }
        #expect(report.trials.contains { $0.skipped == "refused" }, "a refused setting is recorded")
        #expect(report.trials.first?.round == 0 && report.trials.first?.setting == Self.start)
        #expect(report.chosenFlags == ["--calib-method", "mse", "--weight-method", "gptaq"])
    }

    @Test func theObjectiveRefusesToTradeAnOutputAway() {
        let worse = [ReportOutputSQNR(output: "a", sqnr: 30), ReportOutputSQNR(output: "b", sqnr: 18)]
        let better = [ReportOutputSQNR(output: "a", sqnr: 20), ReportOutputSQNR(output: "b", sqnr: 19)]
        #expect(TuningObjective.isBetter(better, than: worse), "the worst output decides, not the sum")
        #expect(!TuningObjective.isBetter(worse, than: better))
        let tie = [ReportOutputSQNR(output: "a", sqnr: 21), ReportOutputSQNR(output: "b", sqnr: 19)]
        #expect(TuningObjective.isBetter(tie, than: better), "the next worst breaks a tie")
        #expect(!TuningObjective.isBetter(better, than: better), "equal is not better: the earlier setting stays")
    }

    @Test func theBudgetBoundsTheConversionsAndSkippedSettingsDoNotCount() throws {
        let (report, _) = try TuningSearch(space: Self.space, budget: 3).run(start: Self.start, measure: Self.landscape)
        #expect(report.conversions == 3)
        #expect(report.stoppedBy == "budget")
        #expect(report.trials.filter { $0.outputs != nil }.count == 3)
        let (single, chosen) = try TuningSearch(space: Self.space, budget: 1).run(
            start: Self.start, measure: Self.landscape)
        #expect(single.trials.count == 1 && chosen == Self.start)
    }

    @Test func theSearchIsDeterministic() throws {
        func run() throws -> TuningReport {
            var report = try TuningSearch(space: Self.space, budget: 9).run(
                start: Self.start, measure: Self.landscape
            ).report
            report.seconds = 0
            for index in report.trials.indices {
                report.trials[index].seconds = report.trials[index].seconds.map { _ in 0 }
            }
            return report
        }
        #expect(try run() == run())
    }

    @Test func aStartTheFlagsRefuseIsAnError() {
        #expect(throws: TuningError.self) {
            try TuningSearch(space: Self.space).run(
                start: TuningSetting(calibrationMethod: "percentile"), measure: Self.landscape)
        }
    }

    @Test func theSpaceOffersOneChangeAtATimeAndEqualizationOnlyWhereItActs() {
        let neighbours = Self.space.neighbours(of: Self.start)
        #expect(neighbours.count == 6, "three methods, SmoothQuant, GPTQ, bias correction: \(neighbours.map(\.label))")
        #expect(!neighbours.contains { $0.equalize })
        let perTensor = TuningSpace(around: Self.start, equalizes: true)
        #expect(perTensor.neighbours(of: Self.start).filter(\.equalize).count == 1)
        let entropy = TuningSpace(
            around: TuningSetting(calibrationMethod: "entropy", smoothQuant: "0.8"), equalizes: false)
        #expect(entropy.calibrationMethods.last == "entropy" && entropy.smoothQuant.contains("0.8"))
    }
}
