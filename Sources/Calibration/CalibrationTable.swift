import Foundation
import OnnxIO

/// Calibration results keyed by tensor name, with what is needed to decide whether they can be reused.
///
/// Stored as JSON through Codable (schema: `schemas/calibration-table.schema.json`, format: docs/calibration.md):
/// keys sorted, two-space indentation, numbers in their shortest round-tripping form, so equal
/// tables give identical bytes and every float reads back exactly.
public struct CalibrationTable: Equatable, Sendable {
    /// The `format` field's value.
    public static let formatName = "qdqc-calibration-table"
    /// The version of the file layout this code reads and writes.
    public static let formatVersion = 1

    /// SHA-256 of the model file's bytes, 64 lowercase hex digits.
    public var modelSHA256: String
    /// The method.
    public var method: CalibrationMethod
    /// The method's settings (and any others the run's reuse should depend on).
    public var options: [String: OptionValue]
    /// The number of calibration samples the model ran on.
    public var sampleCount: Int
    /// The qdqc version that wrote the table (informative; not part of the match).
    public var qdqcVersion: String
    /// One result per tensor.
    public var tensors: [String: TensorCalibration]

    /// Creates a table.
    public init(
        modelSHA256: String, method: CalibrationMethod, options: [String: OptionValue], sampleCount: Int,
        qdqcVersion: String, tensors: [String: TensorCalibration]
    ) {
        self.modelSHA256 = modelSHA256
        self.method = method
        self.options = options
        self.sampleCount = sampleCount
        self.qdqcVersion = qdqcVersion
        self.tensors = tensors
    }

    /// Creates a table for the run `key`.
    public init(key: CalibrationRunKey, qdqcVersion: String, tensors: [String: TensorCalibration]) {
        self.init(
            modelSHA256: key.modelSHA256, method: key.method, options: key.options, sampleCount: key.sampleCount,
            qdqcVersion: qdqcVersion, tensors: tensors)
    }

    /// The run this table was made by.
    public var runKey: CalibrationRunKey {
        CalibrationRunKey(modelSHA256: modelSHA256, method: method, options: options, sampleCount: sampleCount)
    }

    /// Whether the table was made by a run equal to `key` (model hash, method, options and sample count).
    public func matches(_ key: CalibrationRunKey) -> Bool { runKey == key }

    /// The names in `needed` that the table has no result for, sorted.
    public func missingTensors(_ needed: some Sequence<String>) -> [String] {
        Set(needed).filter { tensors[$0] == nil }.sorted()
    }

    /// The table as deterministic JSON text (UTF-8); `path` names the destination in errors.
    public func jsonData(path: String = "calibration table") throws -> Data {
        do {
            return try CalibrationTableCoding.encode(self)
        } catch let failure as CalibrationTableCoding.Failure {
            throw CalibrationError.table(path: path, reason: failure.message)
        }
    }

    /// Parses a table from JSON; `path` names the source in errors.
    public init(jsonData: Data, path: String) throws {
        do {
            self = try CalibrationTableCoding.decode(jsonData)
        } catch let failure as CalibrationTableCoding.Failure {
            throw CalibrationError.table(path: path, reason: failure.message)
        }
    }

    /// Reads the table at `path`.
    public static func read(path: String) throws -> CalibrationTable {
        try CalibrationTable(jsonData: try CalibrationFile.contents(atPath: path), path: path)
    }

    /// The table at `path` if it exists and matches `key`; nil if there is no file or it is for another run.
    /// A file that exists but cannot be read or parsed is an error, not a silent recalibration.
    public static func readIfMatching(path: String, key: CalibrationRunKey) throws -> CalibrationTable? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let table = try read(path: path)
        return table.matches(key) ? table : nil
    }

    /// Writes the table to `path` atomically: a temporary file in the same folder, renamed over `path`.
    public func write(to path: String) throws {
        try CalibrationFile.write(try jsonData(path: path), to: path)
    }
}
