/// Converts calibration tables to and from their JSON layout, checking every field on the way in.
enum CalibrationTableCoding {
    /// A field that is missing, mistyped or out of range: "tensors.conv1.min: expected a number".
    struct Failure: Error {
        /// The message, starting with the field's path.
        var message: String
    }

    // MARK: Encoding

    /// The table as JSON; throws if a number is not finite.
    static func encode(_ table: CalibrationTable) throws -> JSONValue {
        var tensors: [String: JSONValue] = [:]
        for (name, calibration) in table.tensors {
            tensors[name] = try encode(calibration, path: "tensors.\(name)")
        }
        var options: [String: JSONValue] = [:]
        for (name, value) in table.options {
            options[name] = try encode(value, path: "options.\(name)")
        }
        return .object([
            "format": .string(CalibrationTable.formatName),
            "formatVersion": .int(CalibrationTable.formatVersion),
            "model": .object(["sha256": .string(table.modelSHA256)]),
            "method": .string(table.method.rawValue),
            "options": .object(options),
            "sampleCount": .int(table.sampleCount),
            "qdqcVersion": .string(table.qdqcVersion),
            "tensors": .object(tensors),
        ])
    }

    private static func encode(_ value: OptionValue, path: String) throws -> JSONValue {
        switch value {
        case .bool(let flag): return .bool(flag)
        case .int(let number): return .int(number)
        case .double(let number): return try finite(JSONValue.double(number), path)
        case .string(let text): return .string(text)
        }
    }

    private static func encode(_ calibration: TensorCalibration, path: String) throws -> JSONValue {
        var members: [String: JSONValue] = [
            "min": try finite(.float(calibration.range.min), path + ".min"),
            "max": try finite(.float(calibration.range.max), path + ".max"),
            "observed": .object([
                "min": try finite(.float(calibration.observed.min), path + ".observed.min"),
                "max": try finite(.float(calibration.observed.max), path + ".observed.max"),
            ]),
            "counts": encode(calibration.counts),
        ]
        if let histogram = calibration.histogram {
            members["histogram"] = try encode(histogram, path: path + ".histogram")
        }
        if let divergence = calibration.klDivergence {
            members["klDivergence"] = try finite(.double(divergence), path + ".klDivergence")
        }
        if let error = calibration.meanSquaredError {
            members["meanSquaredError"] = try finite(.double(error), path + ".meanSquaredError")
        }
        if let channels = calibration.channelAbsMax {
            let values = try channels.values.enumerated().map { index, value in
                try finite(.float(value), path + ".channelAbsMax.values[\(index)]")
            }
            members["channelAbsMax"] = .object(["axis": .int(channels.axis), "values": .array(values)])
        }
        return .object(members)
    }

    private static func encode(_ counts: ValueCounts) -> JSONValue {
        .object([
            "batches": .int(counts.batches), "finite": .int(counts.finite), "nan": .int(counts.nan),
            "positiveInfinity": .int(counts.positiveInfinity), "negativeInfinity": .int(counts.negativeInfinity),
        ])
    }

    private static func encode(_ histogram: HistogramSummary, path: String) throws -> JSONValue {
        .object([
            "grid": .string(histogram.grid.rawValue),
            "binWidth": try finite(.double(histogram.binWidth), path + ".binWidth"),
            "binCount": .int(histogram.binCount),
            "lowerEdge": try finite(.double(histogram.lowerEdge), path + ".lowerEdge"),
            "upperEdge": try finite(.double(histogram.upperEdge), path + ".upperEdge"),
            "outOfRange": .int(histogram.outOfRange),
        ])
    }

    private static func finite(_ value: JSONValue?, _ path: String) throws -> JSONValue {
        guard let value else { throw Failure(message: "\(path): is not finite, and JSON cannot hold it") }
        return value
    }

    // MARK: Decoding

    /// The table in `document`; throws a `Failure` naming the first bad field.
    static func decode(_ document: JSONValue) throws -> CalibrationTable {
        let root = try FieldReader(document, path: "")
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
        let hash = try model.string("sha256")
        guard hash.count == 64, hash.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { throw Failure(message: "model.sha256: expected 64 lowercase hex digits") }
        let methodName = try root.string("method")
        guard let method = CalibrationMethod(rawValue: methodName) else {
            throw Failure(message: "method: unknown calibration method \"\(methodName)\"")
        }
        let sampleCount = try root.integer("sampleCount", minimum: 0)
        return CalibrationTable(
            modelSHA256: hash, method: method, options: try decodeOptions(try root.object("options")),
            sampleCount: sampleCount, qdqcVersion: try root.string("qdqcVersion"),
            tensors: try decodeTensors(try root.object("tensors")))
    }

    private static func decodeOptions(_ reader: FieldReader) throws -> [String: OptionValue] {
        var options: [String: OptionValue] = [:]
        for (name, value) in reader.members {
            switch value {
            case .bool(let flag): options[name] = .bool(flag)
            case .string(let text): options[name] = .string(text)
            case .number(let text):
                if let integer = Int(text) {
                    options[name] = .int(integer)
                } else if let number = Double(text), number.isFinite {
                    options[name] = .double(number)
                } else {
                    throw Failure(message: "\(reader.path(name)): number out of range")
                }
            default:
                throw Failure(message: "\(reader.path(name)): expected a boolean, number or string")
            }
        }
        return options
    }

    private static func decodeTensors(_ reader: FieldReader) throws -> [String: TensorCalibration] {
        var tensors: [String: TensorCalibration] = [:]
        for name in reader.members.keys {
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

    private static func decodeCounts(_ reader: FieldReader) throws -> ValueCounts {
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
