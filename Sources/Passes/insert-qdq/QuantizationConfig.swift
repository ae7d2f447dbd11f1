import Calibration
import Foundation
import OnnxIO
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
        if let problem = RegularFile.problem(atPath: path) {
            throw InsertQDQError("quantization config '\(path)': cannot read: \(problem)")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw InsertQDQError("quantization config '\(path)': cannot read the file")
        }
        return try QuantizationConfig(jsonData: data, path: path)
    }

    /// Parses and validates JSON; errors name `path` and the offending key.
    /// A document in ONNX Runtime's `TensorQuantOverrides` dialect (see `OnnxRuntimeOverrides.isDialect`) is read
    /// as that.
    public init(jsonData: Data, path: String) throws {
        if OnnxRuntimeOverrides.isDialect(of: jsonData) {
            do {
                self = try OnnxRuntimeOverrides.config(jsonData: jsonData)
            } catch let invalid as ConfigProblem {
                throw InsertQDQError(
                    "quantization config '\(path)' (ONNX Runtime TensorQuantOverrides): \(invalid.message)")
            }
            return
        }
        do {
            self = try JSONDecoder().decode(File.self, from: jsonData).config
        } catch let invalid as ConfigProblem {
            throw InsertQDQError("quantization config '\(path)': \(invalid.message)")
        } catch {
            // `File` turns every failure of its own into `ConfigProblem`, so this is a syntax error.
            throw InsertQDQError("quantization config '\(path)': not valid JSON")
        }
    }
}

extension QuantizationConfig {
    /// The file's layout, read member by member with the checks and messages of the format.
    private struct File: Decodable {
        var config = QuantizationConfig()

        init(from decoder: any Decoder) throws {
            guard let root = try? decoder.container(keyedBy: ConfigKey.self) else {
                throw ConfigProblem(message: "the top level must be an object")
            }
            for key in root.allKeys.map(\.stringValue).sorted() where !["$schema", "version", "tensors"].contains(key) {
                throw ConfigProblem(message: "unknown key '\(key)' (expected $schema, version, tensors)")
            }
            let version = ConfigKey(stringValue: "version")
            if root.contains(version) {
                guard (try? root.decode(Double.self, forKey: version)) == 1 else {
                    throw ConfigProblem(message: "'version' must be 1")
                }
            }
            let tensors = ConfigKey(stringValue: "tensors")
            if root.contains(tensors) {
                guard let entries = try? root.nestedContainer(keyedBy: ConfigKey.self, forKey: tensors) else {
                    throw ConfigProblem(message: "'tensors' must be an object keyed by tensor name")
                }
                // Sorted, so that of several bad entries the same one is reported every time.
                for name in entries.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                    config.tensors[name.stringValue] = try Self.override(in: entries, name)
                }
            }
        }

        private static func override(in entries: KeyedDecodingContainer<ConfigKey>, _ tensor: ConfigKey) throws
            -> TensorOverride
        {
            func fail(_ message: String) -> ConfigProblem {
                ConfigProblem(message: "tensor '\(tensor.stringValue)': \(message)")
            }
            guard let fields = try? entries.nestedContainer(keyedBy: ConfigKey.self, forKey: tensor) else {
                throw fail("must be an object")
            }
            var result = TensorOverride()
            for key in fields.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                switch key.stringValue {
                case "quantize":
                    guard let flag = try? fields.decode(Bool.self, forKey: key) else {
                        throw fail("'quantize' must be true or false")
                    }
                    result.quantize = flag
                case "format":
                    guard let text = try? fields.decode(String.self, forKey: key),
                        let format = QuantFormat(rawValue: text)
                    else {
                        let names = QuantFormat.qdqFormats.map(\.rawValue).joined(separator: ", ")
                        throw fail("'format' must be one of \(names)")
                    }
                    result.format = format
                case "range":
                    // Float32 straight from the decimal text: one correct rounding, not two via Double.
                    guard let pair = try? fields.decode([Float].self, forKey: key), pair.count == 2,
                        pair[0] <= pair[1]
                    else { throw fail("'range' must be [min, max] with finite min <= max") }
                    result.range = CalibrationRange(min: pair[0], max: pair[1])
                case "scale":
                    guard let scale = try? fields.decode(Float.self, forKey: key), scale.isNormal, scale > 0 else {
                        throw fail("'scale' must be a positive normal float32")
                    }
                    result.scale = scale
                case "zero_point":
                    guard let zeroPoint = try? fields.decode(Int.self, forKey: key),
                        (-999_999_999...999_999_999).contains(zeroPoint)
                    else { throw fail("'zero_point' must be an integer") }
                    result.zeroPoint = zeroPoint
                default:
                    throw fail("unknown key '\(key.stringValue)' (expected quantize, format, range, scale, zero_point)")
                }
            }
            if result.zeroPoint != nil && result.scale == nil { throw fail("'zero_point' needs 'scale'") }
            if result.scale != nil && result.range != nil { throw fail("give 'scale' or 'range', not both") }
            if let problem = result.zeroPointProblem { throw fail(problem) }
            return result
        }
    }
}
