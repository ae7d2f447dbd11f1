import Foundation

/// A calibration state (a part) in its JSON layout, with the SHA-256 checksum that guards it.
///
/// The file is `{"format", "formatVersion", "sha256", "state"}`; `sha256` is the SHA-256 of the
/// `state` member as this type encodes it (keys sorted, two-space indentation, shortest round-tripping
/// numbers). Reading checks the format and version first (so a part of another version is named as
/// such, whatever its layout), then every field, then re-encodes the state and compares checksums:
/// a truncated file is not JSON, and a changed count, range or option changes the checksum.
struct CalibrationStateCoding {
    /// The encoder: deterministic, so equal states give equal bytes and equal checksums.
    private static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The part as JSON text with its checksum and a final newline.
    static func encode(_ state: CalibrationState) throws -> Data {
        let encoder = makeEncoder()
        let content = try encoder.encode(Content(state: state))
        var data = try encoder.encode(
            Document(checksum: SHA256Digest.hex(of: content), content: Content(state: state)))
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// The part in `data`; throws a `CalibrationTableCoding.Failure` naming the first bad field.
    static func decode(_ data: Data) throws -> CalibrationState {
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: data)
        } catch {
            throw CalibrationTableCoding.Failure(message: "not valid JSON (a truncated or damaged calibration state)")
        }
        guard header.format == CalibrationState.formatName else {
            throw CalibrationTableCoding.Failure(
                message:
                    "format: expected \"\(CalibrationState.formatName)\", got \(header.format.map { "\"\($0)\"" } ?? "none")"
            )
        }
        guard header.formatVersion == CalibrationState.formatVersion else {
            throw CalibrationTableCoding.Failure(
                message: "formatVersion: this qdqc reads calibration state version \(CalibrationState.formatVersion), "
                    + "not \(header.formatVersion.map(String.init) ?? "none")")
        }
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: data)
        } catch let error as DecodingError {
            throw CalibrationTableCoding.Failure(message: "\(error)")
        }
        let content = try makeEncoder().encode(document.content)
        guard SHA256Digest.hex(of: content) == document.checksum else {
            throw CalibrationTableCoding.Failure(
                message: "checksum mismatch: the calibration state was changed or damaged after qdqc wrote it")
        }
        return document.content.state
    }

    /// Only the members that say which layout the rest has.
    private struct Header: Decodable {
        var format: String?
        var formatVersion: Int?
    }

    /// The whole file.
    private struct Document: Codable {
        var checksum: String
        var content: Content

        init(checksum: String, content: Content) {
            self.checksum = checksum
            self.content = content
        }

        func encode(to encoder: any Encoder) throws {
            var root = encoder.container(keyedBy: FieldKey.self)
            try root.encode(CalibrationState.formatName, forKey: "format")
            try root.encode(CalibrationState.formatVersion, forKey: "formatVersion")
            try root.encode(checksum, forKey: "sha256")
            try root.encode(content, forKey: "state")
        }

        init(from decoder: any Decoder) throws {
            let root = try FieldReader(decoder)
            try root.onlyKeys(["format", "formatVersion", "sha256", "state"])
            checksum = try CalibrationTableCoding.digest(root, "sha256")
            content = try root.nested("state", as: Content.self)
        }
    }

    /// The checksummed member: the run and every tensor's state.
    private struct Content: Codable {
        var state: CalibrationState

        init(state: CalibrationState) {
            self.state = state
        }

        func encode(to encoder: any Encoder) throws {
            var root = encoder.container(keyedBy: FieldKey.self)
            var model = root.nestedContainer(keyedBy: FieldKey.self, forKey: "model")
            try model.encode(state.key.modelSHA256, forKey: "sha256")
            try root.encode(state.key.method.rawValue, forKey: "method")
            var options = root.nestedContainer(keyedBy: FieldKey.self, forKey: "options")
            try CalibrationTableCoding.encode(state.key.options, into: &options)
            try root.encode(state.key.sampleCount, forKey: "sampleCount")
            try root.encode(state.qdqcVersion, forKey: "qdqcVersion")
            var tensors = root.nestedContainer(keyedBy: FieldKey.self, forKey: "tensors")
            for (name, tensor) in state.tensors {
                var container = tensors.nestedContainer(keyedBy: FieldKey.self, forKey: FieldKey(stringValue: name))
                try Self.encode(tensor, into: &container)
            }
        }

        private static func encode(
            _ tensor: TensorCalibrationState, into container: inout KeyedEncodingContainer<FieldKey>
        )
            throws
        {
            var counts = container.nestedContainer(keyedBy: FieldKey.self, forKey: "counts")
            try CalibrationTableCoding.encode(tensor.extremes.counts, into: &counts)
            if tensor.extremes.hasFiniteValues {
                var observed = container.nestedContainer(keyedBy: FieldKey.self, forKey: "observed")
                try observed.encodeFinite(tensor.extremes.minimum, forKey: "min")
                try observed.encodeFinite(tensor.extremes.maximum, forKey: "max")
            }
            if let histogram = tensor.streaming {
                var streaming = container.nestedContainer(keyedBy: FieldKey.self, forKey: "streamingHistogram")
                try streaming.encode(histogram.binsPerSide, forKey: "binsPerSide")
                try streaming.encodeIfPresent(histogram.widthExponent, forKey: "widthExponent")
                try streaming.encode(histogram.zeros, forKey: "zeros")
                // Trailing empty bins are left out: most tensors use a fraction of the bins of one sign.
                try streaming.encode(trimmed(histogram.positive), forKey: "positive")
                try streaming.encode(trimmed(histogram.negative), forKey: "negative")
            }
            if let histogram = tensor.knownRange, let absMax = tensor.knownAbsMax {
                var known = container.nestedContainer(keyedBy: FieldKey.self, forKey: "knownRangeHistogram")
                try known.encodeFinite(absMax, forKey: "absMax")
                try known.encode(histogram.countsMagnitudes, forKey: "magnitudes")
                try known.encode(histogram.bins, forKey: "bins")
                try known.encode(histogram.counts, forKey: "counts")
                try known.encode(histogram.outOfRange, forKey: "outOfRange")
            }
        }

        private static func trimmed(_ bins: [UInt64]) -> [UInt64] {
            Array(bins[..<((bins.lastIndex { $0 != 0 } ?? -1) + 1)])
        }

        init(from decoder: any Decoder) throws {
            let root = try FieldReader(decoder)
            try root.onlyKeys(["model", "method", "options", "sampleCount", "qdqcVersion", "tensors"])
            let model = try root.object("model")
            try model.onlyKeys(["sha256"])
            let methodName = try root.string("method")
            guard let method = CalibrationMethod(rawValue: methodName) else {
                throw CalibrationTableCoding.Failure(
                    message: "state.method: unknown calibration method \"\(methodName)\"")
            }
            let key = CalibrationRunKey(
                modelSHA256: try CalibrationTableCoding.digest(model, "sha256"), method: method,
                options: try CalibrationTableCoding.decodeOptions(try root.object("options")),
                sampleCount: try root.integer("sampleCount", minimum: 0))
            let configuration: ObserverConfiguration
            do {
                configuration = try ObserverConfiguration(key: key)
                try configuration.checkMergeable()
            } catch let error as CalibrationError {
                throw CalibrationTableCoding.Failure(message: "state.options: \(error)")
            }
            let reader = try root.object("tensors")
            var tensors: [String: TensorCalibrationState] = [:]
            for name in reader.names {
                let tensor = try Self.decodeTensor(try reader.object(name))
                do {
                    // Restoring an observer checks that the histogram fits the method and options.
                    _ = try configuration.makeObserver(state: tensor)
                } catch let error as CalibrationError {
                    throw CalibrationTableCoding.Failure(message: "\(reader.path(name)): \(error)")
                }
                tensors[name] = tensor
            }
            state = try CalibrationState(key: key, qdqcVersion: try root.string("qdqcVersion"), tensors: tensors)
        }

        private static func decodeTensor(_ reader: FieldReader) throws -> TensorCalibrationState {
            try reader.onlyKeys(["counts", "observed", "streamingHistogram", "knownRangeHistogram"])
            let counts = try CalibrationTableCoding.decodeCounts(try reader.object("counts"))
            var extremes = RunningExtremes(counts: counts, minimum: .infinity, maximum: -.infinity)
            if counts.finite > 0 {
                let observed = try reader.object("observed")
                try observed.onlyKeys(["min", "max"])
                let range = try observed.range(minimum: "min", maximum: "max")
                extremes = RunningExtremes(counts: counts, minimum: range.min, maximum: range.max)
            } else if reader.has("observed") {
                throw CalibrationTableCoding.Failure(
                    message: "\(reader.path("observed")): present without finite values")
            }
            var tensor = TensorCalibrationState(extremes: extremes)
            do {
                if reader.has("streamingHistogram") {
                    let streaming = try reader.object("streamingHistogram")
                    try streaming.onlyKeys(["binsPerSide", "widthExponent", "zeros", "positive", "negative"])
                    let histogram = try StreamingHistogram(
                        binsPerSide: try streaming.integer("binsPerSide"),
                        widthExponent: streaming.has("widthExponent") ? try streaming.integer("widthExponent") : nil,
                        positive: try streaming.counters("positive"), negative: try streaming.counters("negative"),
                        zeros: try streaming.counter("zeros"))
                    guard histogram.total == UInt64(counts.finite) else {
                        throw CalibrationError.badBatch(
                            reason: "the histogram holds \(histogram.total) values, counts.finite says \(counts.finite)"
                        )
                    }
                    tensor.streaming = histogram
                }
                if reader.has("knownRangeHistogram") {
                    let known = try reader.object("knownRangeHistogram")
                    try known.onlyKeys(["absMax", "magnitudes", "bins", "counts", "outOfRange"])
                    let absMax = try known.float("absMax")
                    let magnitudes = try known.bool("magnitudes")
                    var histogram = try FixedRangeHistogram(
                        lower: magnitudes ? 0 : -absMax, upper: absMax, bins: try known.integer("bins"),
                        countsMagnitudes: magnitudes)
                    try histogram.restore(
                        counts: try known.counters("counts"), outOfRange: try known.counter("outOfRange"))
                    guard histogram.counts.reduce(0, &+) == UInt64(counts.finite) else {
                        throw CalibrationError.badBatch(
                            reason: "the known-range histogram holds a different number of values than counts.finite")
                    }
                    tensor.knownRange = histogram
                    tensor.knownAbsMax = absMax
                }
            } catch let error as CalibrationError {
                let tensor = reader.path("counts").dropLast(".counts".count)
                throw CalibrationTableCoding.Failure(message: "\(tensor): \(error)")
            }
            return tensor
        }
    }
}
