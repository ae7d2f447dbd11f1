import Foundation

/// Activation ranges from another tool's calibration cache: ONNX Runtime's (`calibration.json`,
/// `calibration.cache`, `calibration.flatbuffers`, or a `save_tensors_data` file) or TensorRT's; and TensorRT's
/// cache written from qdqc's ranges (docs/calibration.md, "Other tools' caches").
public struct CalibrationCache: Equatable, Sendable {
    /// The layouts read, told apart by their content.
    public enum Format: String, Sendable {
        /// ONNX Runtime's JSON: `write_calibration_table`'s `calibration.json` or `save_tensors_data`'s file.
        case onnxRuntimeJSON = "ONNX Runtime JSON"
        /// ONNX Runtime's `calibration.cache`: `<tensor> <value>` lines.
        case onnxRuntimeText = "ONNX Runtime text"
        /// ONNX Runtime's `calibration.flatbuffers`.
        case onnxRuntimeFlatBuffers = "ONNX Runtime flatbuffers"
        /// TensorRT's: a `TRT-<version>-<calibrator>` line, then `<tensor>: <8 hex digits>` lines.
        case tensorRT = "TensorRT"
    }

    /// The layout the cache was read from.
    public var format: Format
    /// Each tensor's range.
    public var ranges: [String: CalibrationRange]

    /// Creates a cache.
    public init(format: Format, ranges: [String: CalibrationRange]) {
        self.format = format
        self.ranges = ranges
    }

    /// The header line qdqc writes: TensorRT 8.6.1's entropy calibrator, the default of trtexec and polygraphy.
    public static let tensorRTHeader = "TRT-8601-EntropyCalibration2"

    /// The largest code of int8, which TensorRT's scales are `amax` divided by.
    static let int8Max: Float = 127

    /// Reads the cache at `path`; errors name the file (and the line of a text cache).
    public static func read(path: String) throws -> CalibrationCache {
        try CalibrationCache(data: try CalibrationFile.contents(atPath: path), path: path)
    }

    /// Parses a cache; a text cache never holds a NUL byte, a flatbuffer always does (its offsets' high bytes).
    public init(data: Data, path: String) throws {
        if data.contains(0) {
            self.init(format: .onnxRuntimeFlatBuffers, ranges: try Self.flatBufferRanges(data, path: path))
            return
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CalibrationError.table(path: path, reason: "neither UTF-8 text nor a flatbuffer")
        }
        let start = text.drop(while: \.isWhitespace)
        if start.hasPrefix("{") {
            self.init(format: .onnxRuntimeJSON, ranges: try Self.jsonRanges(data, path: path))
        } else if start.hasPrefix("TRT-") {
            self.init(format: .tensorRT, ranges: try Self.tensorRTRanges(text, path: path))
        } else {
            self.init(format: .onnxRuntimeText, ranges: try Self.textRanges(text, path: path))
        }
    }

    /// TensorRT's int8 scale of each range: `max(|min|, |max|) / 127`.
    public static func tensorRTScales(ranges: [String: CalibrationRange]) -> [String: Float] {
        ranges.mapValues { Swift.max($0.min.magnitude, $0.max.magnitude) / int8Max }
    }

    /// The `amax` whose int8 scale (`amax / 127`) is exactly `scale`, so that the ranges read from a TensorRT cache
    /// give back its scales bit for bit (`scale * 127` alone misses by an ulp for about 1 scale in 120).
    static func amax(forScale scale: Float) -> Float {
        var amax = scale * int8Max
        for _ in 0..<4 where amax / int8Max != scale {
            amax = amax / int8Max < scale ? amax.nextUp : amax.nextDown
        }
        return amax
    }

    /// TensorRT's cache text for `ranges`: each tensor's scale (`tensorRTScales`) as the big-endian bits of a
    /// float32, in name order.
    public static func tensorRTText(ranges: [String: CalibrationRange]) -> String {
        var lines = [tensorRTHeader]
        for (name, scale) in tensorRTScales(ranges: ranges).sorted(by: { $0.key < $1.key }) {
            let hex = String(scale.bitPattern, radix: 16)
            lines.append("\(name): \(String(repeating: "0", count: 8 - hex.count))\(hex)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes TensorRT's cache for `ranges` to `path` atomically.
    public static func writeTensorRT(ranges: [String: CalibrationRange], to path: String) throws {
        if let bad = ranges.first(where: { !$0.value.min.isFinite || !$0.value.max.isFinite }) {
            throw CalibrationError.table(path: path, reason: "tensor '\(bad.key)' has a non-finite range")
        }
        try CalibrationFile.write(Data(tensorRTText(ranges: ranges).utf8), to: path)
    }

    // MARK: - Text

    /// The lines that are not blank, numbered from 1 (`\r\n` is one line break, like `\n`).
    private static func lines(_ text: String) -> [(number: Int, text: Substring)] {
        text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated().compactMap {
            index, line in
            line.allSatisfy(\.isWhitespace) ? nil : (number: index + 1, text: line)
        }
    }

    private static func tensorRTRanges(_ text: String, path: String) throws -> [String: CalibrationRange] {
        let all = lines(text)
        guard let header = all.first else { return [:] }
        let parts = header.text.split(separator: "-", maxSplits: 2)
        guard parts.count == 3, parts[0] == "TRT", !parts[1].isEmpty, parts[1].allSatisfy(\.isNumber),
            !parts[2].isEmpty
        else {
            throw CalibrationError.table(
                path: "\(path):\(header.number)",
                reason: "unknown header '\(header.text)' (expected TRT-<version>-<calibrator>)")
        }
        var ranges: [String: CalibrationRange] = [:]
        for line in all.dropFirst() {
            func fail(_ reason: String) -> CalibrationError {
                CalibrationError.table(path: "\(path):\(line.number)", reason: reason)
            }
            guard let colon = line.text.range(of: ": ", options: .backwards) else {
                throw fail("expected '<tensor>: <8 hex digits>'")
            }
            let name = String(line.text[..<colon.lowerBound])
            let digits = line.text[colon.upperBound...]
            guard !name.isEmpty, digits.count == 8, digits.allSatisfy(\.isHexDigit),
                let bits = UInt32(digits, radix: 16)
            else {
                throw fail("expected '<tensor>: <8 hex digits>'")
            }
            let scale = Float(bitPattern: bits)
            guard scale.isFinite, scale >= 0 else {
                throw fail("tensor '\(name)': scale \(scale) must be finite and not negative")
            }
            let amax = amax(forScale: scale)
            guard amax.isFinite else { throw fail("tensor '\(name)': scale \(scale) overflows float32 times 127") }
            ranges[name] = CalibrationRange(min: -amax, max: amax)
        }
        return ranges
    }

    private static func textRanges(_ text: String, path: String) throws -> [String: CalibrationRange] {
        var ranges: [String: CalibrationRange] = [:]
        for line in lines(text) {
            func fail(_ reason: String) -> CalibrationError {
                CalibrationError.table(path: "\(path):\(line.number)", reason: reason)
            }
            guard let space = line.text.lastIndex(of: " ") else {
                throw fail("expected '<tensor> <value>' (or a TRT-<version>-<calibrator> header)")
            }
            let name = String(line.text[..<space])
            guard !name.isEmpty, let value = Float(line.text[line.text.index(after: space)...]) else {
                throw fail("expected '<tensor> <value>'")
            }
            guard value.isFinite else { throw fail("tensor '\(name)': value \(value) is not finite") }
            ranges[name] = CalibrationRange(min: -value.magnitude, max: value.magnitude)
        }
        return ranges
    }

    // MARK: - JSON

    private static func jsonRanges(_ data: Data, path: String) throws -> [String: CalibrationRange] {
        func fail(_ reason: String) -> CalibrationError { CalibrationError.table(path: path, reason: reason) }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw fail("not a JSON object")
        }
        // save_tensors_data wraps the tensors in {"CLS": "TensorsData", "data": {...}}.
        let tensors: [String: Any]
        if root["CLS"] as? String == "TensorsData" {
            guard let inner = root["data"] as? [String: Any] else { throw fail("'data' must be an object") }
            tensors = inner
        } else {
            tensors = root
        }
        var ranges: [String: CalibrationRange] = [:]
        for (name, entry) in tensors {
            guard let fields = entry as? [String: Any] else { throw fail("tensor '\(name)': must be an object") }
            let low = try number(fields["lowest"], "lowest", tensor: name, path: path)
            let high = try number(fields["highest"], "highest", tensor: name, path: path)
            guard low <= high else { throw fail("tensor '\(name)': lowest \(low) exceeds highest \(high)") }
            ranges[name] = CalibrationRange(min: low, max: high)
        }
        return ranges
    }

    /// A float written as a number or as `{"CLS": "numpy.array", "data": x}` (a scalar or one-element list).
    private static func number(_ value: Any?, _ key: String, tensor: String, path: String) throws -> Float {
        var value = value
        if let array = value as? [String: Any], array["CLS"] as? String == "numpy.array" { value = array["data"] }
        if let list = value as? [Any], list.count == 1 { value = list[0] }
        guard let number = value as? NSNumber, Float(number.doubleValue).isFinite else {
            throw CalibrationError.table(path: path, reason: "tensor '\(tensor)': '\(key)' must be a finite number")
        }
        return Float(number.doubleValue)
    }
}
