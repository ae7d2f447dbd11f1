import Foundation
import Passes

/// `--tune`: a greedy coordinate search over the accuracy techniques (`TuningSpace`), measured by the caller on
/// held-back samples and ranked by `TuningObjective`.
///
/// It starts from the user's own settings and, each round, measures every neighbour of the best setting so far
/// (one technique changed) that it has not measured yet; the best of them becomes the new start when it ranks
/// above the current one. It stops when no neighbour ranks above it (`no-improvement`), or when `budget`
/// conversions have been made (`budget`). The chosen setting is the best measured. Deterministic: neighbours
/// come in `TuningSpace`'s fixed order and ties keep the earlier setting.
public struct TuningSearch {
    /// The values each technique takes.
    public var space: TuningSpace
    /// The most conversions to make, the start's included.
    public var budget: Int

    /// The budget without `--tune-budget`: the start and two rounds over a default space of six neighbours.
    public static let defaultBudget = 12

    /// Creates the search.
    public init(space: TuningSpace, budget: Int = defaultBudget) {
        self.space = space
        self.budget = budget
    }

    /// Searches from `start`; `measure` converts and measures one setting. Returns the report and the chosen
    /// setting's payload. `measure` failing on the start (which the user asked for) is the search's failure;
    /// on another setting the error propagates too, since a conversion that fails is not a ranking.
    public func run<Payload>(
        start: TuningSetting, measure: (TuningSetting) throws -> TuningOutcome<Payload>,
        announce: (TuningTrial) -> Void = { _ in }
    ) throws -> (report: TuningReport, chosen: Payload) {
        let clock = ContinuousClock()
        let began = clock.now
        var trials: [TuningTrial] = []
        var tried: Set<TuningSetting> = []
        var conversions = 0
        var best: (setting: TuningSetting, ranked: [ReportOutputSQNR], payload: Payload)?

        func attempt(_ setting: TuningSetting, round: Int) throws -> TuningMeasurement? {
            tried.insert(setting)
            let trialStart = clock.now
            let trial: TuningTrial
            var measured: TuningMeasurement?
            switch try measure(setting) {
            case .skipped(let reason):
                trial = TuningTrial(round: round, setting: setting, skipped: reason)
            case .measured(let measurement, let payload):
                conversions += 1
                measured = measurement
                trial = TuningTrial(
                    round: round, setting: setting, measurement: measurement,
                    seconds: (clock.now - trialStart).seconds)
                if best.map({ TuningObjective.isBetter(measurement.ranked, than: $0.ranked) }) ?? true {
                    best = (setting, measurement.ranked, payload)
                }
            }
            trials.append(trial)
            announce(trial)
            return measured
        }

        guard let startMeasurement = try attempt(start, round: 0) else {
            throw TuningError.startSkipped(reason: trials.last?.skipped ?? "")
        }
        var current = start
        var round = 0
        var stoppedBy = "no-improvement"
        search: while true {
            round += 1
            for neighbour in space.neighbours(of: current) where !tried.contains(neighbour) {
                guard conversions < budget else {
                    stoppedBy = "budget"
                    break search
                }
                _ = try attempt(neighbour, round: round)
            }
            guard let leader = best, leader.setting != current else { break }
            current = leader.setting
        }
        guard let best else { throw TuningError.startSkipped(reason: "") }
        let reason = Self.reason(
            chosen: best.setting, ranked: best.ranked, start: start, startRanked: startMeasurement.ranked,
            measured: conversions)
        let report = TuningReport(
            objective: TuningObjective.description, budget: budget, conversions: conversions, stoppedBy: stoppedBy,
            start: start, chosen: best.setting, reason: reason, trials: trials, seconds: (clock.now - began).seconds)
        return (report, best.payload)
    }

    private static func reason(
        chosen: TuningSetting, ranked: [ReportOutputSQNR], start: TuningSetting, startRanked: [ReportOutputSQNR],
        measured: Int
    ) -> String {
        let worst = ranked.min { $0.sqnr < $1.sqnr }
        let worstText = worst.map { "\(Self.decibels($0.sqnr)) dB on '\($0.output)'" } ?? "no output"
        if chosen == start {
            return "no other of the \(measured) settings measured has a better worst SQNR than the start "
                + "(\(worstText))"
        }
        return "the best worst SQNR of the \(measured) settings measured: \(worstText), against "
            + "\(Self.decibels(TuningObjective.worst(startRanked))) dB with the start (\(start.label))"
    }

    static func decibels(_ value: Double) -> String { String(format: "%.2f", value) }
}
