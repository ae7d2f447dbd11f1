import Foundation

/// A calibration table in its JSON layout, through Codable, checking every field on the way in.
///
/// The layout is spelled out by hand in `init(from:)` and `encode(to:)` rather than synthesized:
/// it differs from the Swift types (a range is two members, the hash sits in `model`), and reading
/// must refuse unknown members and name the path of every bad one.
struct CalibrationTableCoding: Codable {
    /// A field that is missing, mistyped or out of range: "tensors.conv1.min: expected a finite float32 number".
    struct Failure: Error {
        /// The message, starting with the field's path.
        var message: String
    }

    /// The table.
    var table: CalibrationTable

    /// Wraps `table` for encoding.
    init(_ table: CalibrationTable) {
        self.table = table
    }

    /// The table as JSON text: keys sorted by code point, two-space indentation, numbers in
    /// their shortest round-tripping form, a final newline. Throws a `Failure` naming the first
    /// number that is not finite.
    static func encode(_ table: CalibrationTable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(CalibrationTableCoding(table))
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// The table in `data`; throws a `Failure` naming the first bad field.
    static func decode(_ data: Data) throws -> CalibrationTable {
        do {
            return try JSONDecoder().decode(CalibrationTableCoding.self, from: data).table
        } catch let error as DecodingError {
            throw Failure(message: message(error))
        }
    }

    /// A DecodingError that `FieldReader` did not turn into a `Failure`: on Linux JSONDecoder
    /// reports a syntax error only as "not valid JSON", with no location.
    private static func message(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty: return "not valid JSON"
        case .dataCorrupted(let context): return "\(FieldKey.text(context.codingPath)): \(context.debugDescription)"
        case .keyNotFound(let key, let context): return "\(FieldKey.text(context.codingPath + [key])): missing"
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "\(FieldKey.text(context.codingPath)): expected \(type)"
        @unknown default: return "\(error)"
        }
    }

    // MARK: Encoding

    /// Writes the table's members.
    func encode(to encoder: any Encoder) throws {
        var root = encoder.container(keyedBy: FieldKey.self)
        try root.encode(CalibrationTable.formatName, forKey: "format")
        try root.encode(CalibrationTable.formatVersion, forKey: "formatVersion")
        var model = root.nestedContainer(keyedBy: FieldKey.self, forKey: "model")
        try model.encode(table.modelSHA256, forKey: "sha256")
        try root.encode(table.method.rawValue, forKey: "method")
        var options = root.nestedContainer(keyedBy: FieldKey.self, forKey: "options")
        try Self.encode(table.options, into: &options)
        try root.encode(table.sampleCount, forKey: "sampleCount")
        try root.encode(table.qdqcVersion, forKey: "qdqcVersion")
        var tensors = root.nestedContainer(keyedBy: FieldKey.self, forKey: "tensors")
        for (name, calibration) in table.tensors {
            var tensor = tensors.nestedContainer(keyedBy: FieldKey.self, forKey: FieldKey(stringValue: name))
            try Self.encode(calibration, into: &tensor)
        }
    }

    /// Writes options under their names, each with its JSON type.
    static func encode(_ options: [String: OptionValue], into container: inout KeyedEncodingContainer<FieldKey>)
        throws
    {
        for (name, value) in options {
            let key = FieldKey(stringValue: name)
            switch value {
            case .bool(let flag): try container.encode(flag, forKey: key)
            case .int(let number): try container.encode(number, forKey: key)
            case .double(let number): try container.encodeFinite(number, forKey: key)
            case .string(let text): try container.encode(text, forKey: key)
            }
        }
    }

    /// Writes the value counts.
    static func encode(_ counts: ValueCounts, into container: inout KeyedEncodingContainer<FieldKey>) throws {
        try container.encode(counts.batches, forKey: "batches")
        try container.encode(counts.finite, forKey: "finite")
        try container.encode(counts.nan, forKey: "nan")
        try container.encode(counts.positiveInfinity, forKey: "positiveInfinity")
        try container.encode(counts.negativeInfinity, forKey: "negativeInfinity")
    }

    private static func encode(_ calibration: TensorCalibration, into tensor: inout KeyedEncodingContainer<FieldKey>)
        throws
    {
        try tensor.encodeFinite(calibration.range.min, forKey: "min")
        try tensor.encodeFinite(calibration.range.max, forKey: "max")
        var observed = tensor.nestedContainer(keyedBy: FieldKey.self, forKey: "observed")
        try observed.encodeFinite(calibration.observed.min, forKey: "min")
        try observed.encodeFinite(calibration.observed.max, forKey: "max")
        var counts = tensor.nestedContainer(keyedBy: FieldKey.self, forKey: "counts")
        try encode(calibration.counts, into: &counts)
        if let summary = calibration.histogram {
            var histogram = tensor.nestedContainer(keyedBy: FieldKey.self, forKey: "histogram")
            try histogram.encode(summary.grid.rawValue, forKey: "grid")
            try histogram.encodeFinite(summary.binWidth, forKey: "binWidth")
            try histogram.encode(summary.binCount, forKey: "binCount")
            try histogram.encodeFinite(summary.lowerEdge, forKey: "lowerEdge")
            try histogram.encodeFinite(summary.upperEdge, forKey: "upperEdge")
            try histogram.encode(summary.outOfRange, forKey: "outOfRange")
        }
        if let divergence = calibration.klDivergence { try tensor.encodeFinite(divergence, forKey: "klDivergence") }
        if let error = calibration.meanSquaredError { try tensor.encodeFinite(error, forKey: "meanSquaredError") }
        if let channelAbsMax = calibration.channelAbsMax {
            var channels = tensor.nestedContainer(keyedBy: FieldKey.self, forKey: "channelAbsMax")
            try channels.encode(channelAbsMax.axis, forKey: "axis")
            try channels.encodeFinite(channelAbsMax.values, forKey: "values")
        }
    }

    // MARK: Decoding

    /// Reads and checks a table, member by member.
    init(from decoder: any Decoder) throws {
        let root = try FieldReader(decoder)
        try root.onlyKeys([
            "format", "formatVersion", "model", "method", "options", "sampleCount", "qdqcVersion", "tensors",
        ])
        guard try root.string("format") == CalibrationTable.formatName else {
            throw Failure(message: "format: expected \"\(CalibrationTable.formatName)\"")
        }
        let version = try root.integer("formatVersion")
        guard version == CalibrationTable.formatVersion else {
            throw Failure(
                message: "formatVersion: this qdqc reads version \(CalibrationTable.formatVersion), not \(version)")
        }
        let model = try root.object("model")
        try model.onlyKeys(["sha256"])
        let hash = try Self.digest(model, "sha256")
        let methodName = try root.string("method")
        guard let method = CalibrationMethod(rawValue: methodName) else {
            throw Failure(message: "method: unknown calibration method \"\(methodName)\"")
        }
        let sampleCount = try root.integer("sampleCount", minimum: 0)
        table = CalibrationTable(
            modelSHA256: hash, method: method, options: try Self.decodeOptions(try root.object("options")),
            sampleCount: sampleCount, qdqcVersion: try root.string("qdqcVersion"),
            tensors: try Self.decodeTensors(try root.object("tensors")))
    }

    /// Member `name` as a SHA-256 digest: 64 lowercase hex digits.
    static func digest(_ reader: FieldReader, _ name: String) throws -> String {
        let hash = try reader.string(name)
        guard hash.count == 64, hash.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { throw Failure(message: "\(reader.path(name)): expected 64 lowercase hex digits") }
        return hash
    }

    /// Options keep the JSON type of their value; a number reads as `.int` when it is integral,
    /// which `OptionValue`'s equality treats as equal to the same `.double`.
    static func decodeOptions(_ reader: FieldReader) throws -> [String: OptionValue] {
        var options: [String: OptionValue] = [:]
        for name in reader.names {
            if let flag = reader.decodeIfPossible(Bool.self, name) {
                options[name] = .bool(flag)
            } else if let integer = reader.decodeIfPossible(Int.self, name) {
                options[name] = .int(integer)
            } else if let number = reader.decodeIfPossible(Double.self, name) {
                options[name] = .double(number)
            } else if let text = reader.decodeIfPossible(String.self, name) {
                options[name] = .string(text)
            } else {
                throw Failure(message: "\(reader.path(name)): expected a boolean, finite number or string")
            }
        }
        return options
    }

    private static func decodeTensors(_ reader: FieldReader) throws -> [String: TensorCalibration] {
        var tensors: [String: TensorCalibration] = [:]
        for name in reader.names {
            tensors[name] = try decodeTensor(try reader.object(name))
        }
        return tensors
    }

    private static func decodeTensor(_ reader: FieldReader) throws -> TensorCalibration {
        try reader.onlyKeys([
            "min", "max", "observed", "counts", "histogram", "klDivergence", "meanSquaredError", "channelAbsMax",
        ])
        let observed = try reader.object("observed")
        try observed.onlyKeys(["min", "max"])
        var calibration = TensorCalibration(
            range: try reader.range(minimum: "min", maximum: "max"),
            observed: try observed.range(minimum: "min", maximum: "max"),
            counts: try decodeCounts(try reader.object("counts")))
        if reader.has("histogram") { calibration.histogram = try decodeHistogram(try reader.object("histogram")) }
        if reader.has("klDivergence") { calibration.klDivergence = try reader.double("klDivergence") }
        if reader.has("meanSquaredError") { calibration.meanSquaredError = try reader.double("meanSquaredError") }
        if reader.has("channelAbsMax") {
            let channels = try reader.object("channelAbsMax")
            try channels.onlyKeys(["axis", "values"])
            calibration.channelAbsMax = ChannelAbsMax(
                axis: try channels.integer("axis", minimum: 0), values: try channels.floats("values"))
        }
        return calibration
    }

    static func decodeCounts(_ reader: FieldReader) throws -> ValueCounts {
        try reader.onlyKeys(["batches", "finite", "nan", "positiveInfinity", "negativeInfinity"])
        return ValueCounts(
            batches: try reader.integer("batches", minimum: 0), finite: try reader.integer("finite", minimum: 0),
            nan: try reader.integer("nan", minimum: 0),
            positiveInfinity: try reader.integer("positiveInfinity", minimum: 0),
            negativeInfinity: try reader.integer("negativeInfinity", minimum: 0))
    }

    private static func decodeHistogram(_ reader: FieldReader) throws -> HistogramSummary {
        try reader.onlyKeys(["grid", "binWidth", "binCount", "lowerEdge", "upperEdge", "outOfRange"])
        let gridName = try reader.string("grid")
        guard let grid = HistogramSummary.Grid(rawValue: gridName) else {
            throw Failure(message: "\(reader.path("grid")): unknown grid \"\(gridName)\"")
        }
        return HistogramSummary(
            grid: grid, binWidth: try reader.double("binWidth"), binCount: try reader.integer("binCount", minimum: 0),
            lowerEdge: try reader.double("lowerEdge"), upperEdge: try reader.double("upperEdge"),
            outOfRange: try reader.integer("outOfRange", minimum: 0))
    }
}

extension KeyedEncodingContainer where Key == FieldKey {
    /// Encodes `value`, refusing NaN and infinities (JSON has none) with the member's full path;
    /// JSONEncoder's own refusal names only the last key.
    mutating func encodeFinite<Number: BinaryFloatingPoint & Encodable>(
        _ value: Number, forKey key: FieldKey
    ) throws {
        guard value.isFinite else { throw notFinite(FieldKey.text(codingPath + [key])) }
        try encode(value, forKey: key)
    }

    /// Encodes `values`, refusing NaN and infinities with the path of the first one.
    mutating func encodeFinite(_ values: [Float], forKey key: FieldKey) throws {
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw notFinite(FieldKey.text(codingPath + [key]) + "[\(index)]")
        }
        try encode(values, forKey: key)
    }

    private func notFinite(_ path: String) -> CalibrationTableCoding.Failure {
        CalibrationTableCoding.Failure(message: "\(path): is not finite, and JSON cannot hold it")
    }
}
