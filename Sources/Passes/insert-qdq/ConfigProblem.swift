/// What is wrong with a quantization config file that is valid JSON, naming the tensor and key but not the file
/// (either dialect; `QuantizationConfig` adds the file).
struct ConfigProblem: Error {
    /// The message, without the file.
    var message: String
}

/// Any JSON member name: a config reader must see every key to refuse unknown ones.
struct ConfigKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
