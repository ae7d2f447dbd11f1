/// The name of one member of a JSON object, any string: calibration tables are keyed by tensor and
/// option names, and reading must see every key to refuse unknown ones.
struct FieldKey: CodingKey, ExpressibleByStringLiteral {
    /// The member's name.
    let stringValue: String
    /// Always nil: objects are keyed by name only.
    var intValue: Int? { nil }

    /// The key for the member `stringValue`.
    init(stringValue: String) {
        self.stringValue = stringValue
    }

    /// Nil: an integer is not a member name.
    init?(intValue: Int) { nil }

    /// The key for the member `value`.
    init(stringLiteral value: String) {
        self.init(stringValue: value)
    }

    /// `codingPath` as errors spell it: "tensors.conv1.min", "tensors.x.channelAbsMax.values[3]",
    /// "document" for the root.
    static func text(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text.isEmpty ? "document" : text
    }
}
