import Foundation

/// A calibration run's mergeable state (a *part*): what every watched tensor's observer accumulated over some samples.
///
/// `qdqc calibrate` writes one per shard of the samples; `qdqc calib-merge` merges any number of them, in
/// any order and grouping with the same result (`TensorCalibrationState`), and turns the merge into the
/// `CalibrationTable` that one process over all the samples would have written. Stored as JSON
/// (schema: `schemas/calibration-state.schema.json`, format: docs/calibration.md) with a SHA-256
/// checksum, so a truncated or edited part is refused.
public struct CalibrationState: Equatable, Sendable {
    /// The `format` field's value.
    public static let formatName = "qdqc-calibration-state"
    /// The version of the file layout this code reads and writes.
    public static let formatVersion = 1

    /// The run: model hash, method, options and the number of samples this part covers.
    public var key: CalibrationRunKey
    /// The method and its settings, as `key` names them.
    public let configuration: ObserverConfiguration
    /// The qdqc version that wrote the part (informative).
    public var qdqcVersion: String
    /// Every watched tensor's state, including tensors that were never produced as floating point (0 batches).
    public var tensors: [String: TensorCalibrationState]

    /// Creates a part; throws if `key` does not name a configuration whose states merge exactly.
    public init(key: CalibrationRunKey, qdqcVersion: String, tensors: [String: TensorCalibrationState]) throws {
        configuration = try ObserverConfiguration(key: key)
        try configuration.checkMergeable()
        self.key = key
        self.qdqcVersion = qdqcVersion
        self.tensors = tensors
    }

    /// Adds `other`'s samples; throws with a one-line reason when the two parts are not of one run.
    ///
    /// The parts must name the same model bytes, method and options (so the same tensors); sample
    /// counts add. Commutative and associative, so any order of merging gives the same state.
    public mutating func merge(_ other: CalibrationState) throws {
        if other.key.modelSHA256 != key.modelSHA256 {
            throw CalibrationError.badBatch(
                reason: "made for another model (sha256 \(other.key.modelSHA256.prefix(12))…, not "
                    + "\(key.modelSHA256.prefix(12))…)")
        }
        if other.key.method != key.method {
            throw CalibrationError.badBatch(
                reason: "made with method \(other.key.method.rawValue), not \(key.method.rawValue)")
        }
        if other.key.options != key.options {
            throw CalibrationError.badBatch(
                reason: "made with options \(Self.text(other.key.options)), not \(Self.text(key.options))")
        }
        if Set(other.tensors.keys) != Set(tensors.keys) {
            let different = Set(other.tensors.keys).symmetricDifference(tensors.keys).sorted()
            throw CalibrationError.badBatch(
                reason: "watches other tensors ('\(different.first ?? "")' is in one part only)")
        }
        for (name, state) in other.tensors {
            do {
                try tensors[name]?.merge(state)
            } catch let error as CalibrationError {
                throw error.naming(name)
            }
        }
        key.sampleCount += other.key.sampleCount
    }

    /// The parts merged in the order given (any order gives the same state); `paths` name them in errors.
    public static func merged(_ parts: [(path: String, state: CalibrationState)]) throws -> CalibrationState {
        guard var merged = parts.first?.state else {
            throw CalibrationError.badBatch(reason: "no calibration state to merge")
        }
        for (path, part) in parts.dropFirst() {
            do {
                try merged.merge(part)
            } catch let error as CalibrationError {
                throw CalibrationError.table(path: path, reason: error.description)
            }
        }
        return merged
    }

    /// The table one run over all this state's samples writes: each tensor's result from its state,
    /// tensors never produced as floating point left out (as the `calibrate` pass leaves them out).
    public func table(qdqcVersion: String) throws -> CalibrationTable {
        var results: [String: TensorCalibration] = [:]
        for (name, state) in tensors where state.batchCount > 0 {
            do {
                results[name] = try configuration.makeObserver(state: state).result()
            } catch let error as CalibrationError {
                throw error.naming(name)
            }
        }
        return CalibrationTable(key: key, qdqcVersion: qdqcVersion, tensors: results)
    }

    /// Options as `name=value` text, sorted, for messages.
    private static func text(_ options: [String: OptionValue]) -> String {
        options.keys.sorted().map { "\($0)=\(options[$0]?.description ?? "")" }.joined(separator: ",")
    }

    /// The part as JSON text with its checksum; `path` names the destination in errors.
    public func jsonData(path: String) throws -> Data {
        do {
            return try CalibrationStateCoding.encode(self)
        } catch let failure as CalibrationTableCoding.Failure {
            throw CalibrationError.table(path: path, reason: failure.message)
        }
    }

    /// Reads the part at `path`: the format, version, checksum and every field are checked.
    public static func read(path: String) throws -> CalibrationState {
        let data = try CalibrationFile.contents(atPath: path)
        do {
            return try CalibrationStateCoding.decode(data)
        } catch let failure as CalibrationTableCoding.Failure {
            throw CalibrationError.table(path: path, reason: failure.message)
        } catch let error as CalibrationError {
            throw CalibrationError.table(path: path, reason: error.description)
        }
    }

    /// Writes the part to `path` atomically (a temporary file renamed over it).
    public func write(to path: String) throws {
        try CalibrationFile.write(try jsonData(path: path), to: path)
    }
}
