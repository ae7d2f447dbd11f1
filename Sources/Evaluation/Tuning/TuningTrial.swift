/// One setting `--tune` tried: what it measured, or why it was not converted.
public struct TuningTrial: Sendable, Equatable, Codable {
    /// The search round it was tried in: 0 for the user's own settings, then 1, 2, ...
    public var round: Int
    /// The setting.
    public var setting: TuningSetting
    /// The flags that give the setting without `--tune`.
    public var flags: [String]
    /// Each graph output's SQNR on the evaluation samples; nil when the setting was skipped.
    public var outputs: [ReportOutputSQNR]?
    /// Each logits tensor's SQNR (the input of a Softmax/LogSoftmax/Sigmoid output); nil when skipped or none.
    public var logits: [ReportOutputSQNR]?
    /// The worst of `outputs` and `logits`, what the ranking looks at first; nil when skipped.
    public var worstSQNR: Double?
    /// Why the setting was not converted (an invalid combination, or one that changes nothing); nil when measured.
    public var skipped: String?
    /// The conversion's and measurement's time; nil when skipped.
    public var seconds: Double?

    /// A measured trial.
    public init(round: Int, setting: TuningSetting, measurement: TuningMeasurement, seconds: Double) {
        self.round = round
        self.setting = setting
        flags = setting.flags
        outputs = measurement.outputs
        logits = measurement.logits.isEmpty ? nil : measurement.logits
        worstSQNR = TuningObjective.worst(measurement.ranked)
        self.seconds = seconds
    }

    /// A skipped trial.
    public init(round: Int, setting: TuningSetting, skipped: String) {
        self.round = round
        self.setting = setting
        flags = setting.flags
        self.skipped = skipped
    }
}
