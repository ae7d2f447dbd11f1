import Calibration
import Foundation
import Quantization

/// A quantization config file (`--quant-config`, schema `schemas/quantization-config.schema.json`):
/// per-tensor overrides of format, range, scale, or whether to quantize at all.
public struct QuantizationConfig: Sendable, Equatable {
    /// Overrides keyed by tensor name.
    public var tensors: [String: TensorOverride]

    /// Creates a config.
    public init(tensors: [String: TensorOverride] = [:]) {
        self.tensors = tensors
    }

    /// Reads and validates the file at `path`.
    public static func read(path: String) throws -> QuantizationConfig {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw InsertQDQError("quantization config '\(path)': cannot read the file")
        }
        return try QuantizationConfig(jsonData: data, path: path)
    }

    /// Parses and validates JSON; errors name `path` and the offending key.
    public init(jsonData: Data, path: String) throws {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: jsonData, options: [])
        } catch {
            throw InsertQDQError("quantization config '\(path)': not valid JSON")
        }
        guard let object = root as? [String: Any] else {
            throw InsertQDQError("quantization config '\(path)': the top level must be an object")
        }
        for key in object.keys.sorted() where !["$schema", "version", "tensors"].contains(key) {
            throw InsertQDQError(
                "quantization config '\(path)': unknown key '\(key)' (expected $schema, version, tensors)")
        }
        if let version = object["version"] {
            guard !Self.isBoolean(version), let number = version as? NSNumber, number.doubleValue == 1 else {
                throw InsertQDQError("quantization config '\(path)': 'version' must be 1")
            }
        }
        var tensors: [String: TensorOverride] = [:]
        if let entries = object["tensors"] {
            guard let entries = entries as? [String: Any] else {
                throw InsertQDQError("quantization config '\(path)': 'tensors' must be an object keyed by tensor name")
            }
            for (name, entry) in entries {
                tensors[name] = try Self.parseOverride(entry, tensor: name, path: path)
            }
        }
        self.tensors = tensors
    }

    private static func parseOverride(_ entry: Any, tensor: String, path: String) throws -> TensorOverride {
        func fail(_ message: String) -> InsertQDQError {
            InsertQDQError("quantization config '\(path)': tensor '\(tensor)': \(message)")
        }
        guard let fields = entry as? [String: Any] else { throw fail("must be an object") }
        var result = TensorOverride()
        for key in fields.keys.sorted() {
            let value = fields[key] as Any
            switch key {
            case "quantize":
                guard Self.isBoolean(value), let flag = value as? Bool else {
                    throw fail("'quantize' must be true or false")
                }
                result.quantize = flag
            case "format":
                guard let text = value as? String, let format = QuantFormat(rawValue: text) else {
                    let names = QuantFormat.allCases.map(\.rawValue).joined(separator: ", ")
                    throw fail("'format' must be one of \(names)")
                }
                result.format = format
            case "range":
                guard let pair = value as? [Any], pair.count == 2, let low = number(pair[0]),
                    let high = number(pair[1]),
                    low.isFinite, high.isFinite, low <= high
                else { throw fail("'range' must be [min, max] with finite min <= max") }
                result.range = CalibrationRange(min: Float(low), max: Float(high))
            case "scale":
                guard let scale = number(value).map(Float.init), scale.isNormal, scale > 0 else {
                    throw fail("'scale' must be a positive normal float32")
                }
                result.scale = scale
            case "zero_point":
                guard let zeroPoint = number(value), zeroPoint.rounded() == zeroPoint, abs(zeroPoint) < 1e9 else {
                    throw fail("'zero_point' must be an integer")
                }
                result.zeroPoint = Int(zeroPoint)
            default:
                throw fail("unknown key '\(key)' (expected quantize, format, range, scale, zero_point)")
            }
        }
        if result.zeroPoint != nil && result.scale == nil { throw fail("'zero_point' needs 'scale'") }
        if result.scale != nil && result.range != nil { throw fail("give 'scale' or 'range', not both") }
        if let format = result.format, let zeroPoint = result.zeroPoint {
            if let range = format.integerRange() {
                guard range.contains(zeroPoint) else {
                    throw fail(
                        "zero point \(zeroPoint) is outside \(format) [\(range.lowerBound), \(range.upperBound)]")
                }
            } else if zeroPoint != 0 {
                throw fail("zero point must be 0 for \(format)")
            }
        }
        return result
    }

    private static func number(_ value: Any) -> Double? {
        guard !isBoolean(value), let number = value as? NSNumber else { return nil }
        return number.doubleValue
    }

    /// Whether JSONSerialization read `true` or `false` (a boolean NSNumber, whose type code is `c`);
    /// `is Bool` cannot tell, as it also holds for the numbers 0 and 1.
    private static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }
}
