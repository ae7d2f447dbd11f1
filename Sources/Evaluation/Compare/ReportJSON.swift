import Foundation

/// The JSON encoding shared by `qdqc compare --json` and `--report`: sorted keys, so equal content
/// gives equal bytes from run to run.
public enum ReportJSON {
    /// Encodes `value` as pretty-printed JSON with sorted keys and a final newline.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }
}
