import Calibration
import Foundation
import Quantization

/// ONNX Runtime's `extra_options["TensorQuantOverrides"]` as JSON, the other dialect of `--quant-config`:
/// `{tensor: [{quant_type, scale, zero_point, symmetric, rmin, rmax, ...}]}`, or the whole `extra_options`
/// object holding it under `"TensorQuantOverrides"`.
///
/// Each key maps onto a `TensorOverride` field with `quantize_static`'s meaning; what qdqc cannot express per
/// tensor (`convert`, `axis` and per-channel lists, `reduce_range`) is refused naming the tensor and key.
enum OnnxRuntimeOverrides {
    /// ONNX Runtime's `QuantType` names and the formats they are.
    static let quantTypes: [String: QuantFormat] = [
        "QInt8": .int8, "QUInt8": .uint8, "QInt16": .int16, "QUInt16": .uint16, "QInt4": .int4, "QUInt4": .uint4,
        "QFLOAT8E4M3FN": .float8e4m3fn,
    ]

    /// The key of `extra_options` that holds the overrides.
    static let extraOptionsKey = "TensorQuantOverrides"

    /// Whether a JSON document is in this dialect rather than qdqc's: an object with a `TensorQuantOverrides`
    /// member, or a non-empty object whose every member is an array and none is named like one of qdqc's
    /// (`$schema`, `version`, `tensors`; a tensor of such a name goes under `TensorQuantOverrides`).
    static func isDialect(of jsonData: Data) -> Bool {
        guard let root = (try? JSONSerialization.jsonObject(with: jsonData)) as? [String: Any], !root.isEmpty
        else { return false }
        if root[extraOptionsKey] != nil { return true }
        let qdqcKeys: Set = ["$schema", "version", "tensors"]
        return root.keys.allSatisfy { !qdqcKeys.contains($0) } && root.values.allSatisfy { $0 is [Any] }
    }

    /// Reads the overrides; a message (without the file) names the tensor and key of the first problem.
    static func config(jsonData: Data) throws -> QuantizationConfig {
        do {
            return try JSONDecoder().decode(File.self, from: jsonData).config
        } catch let invalid as ConfigProblem {
            throw invalid
        } catch {
            throw ConfigProblem(message: "not valid JSON")
        }
    }

    /// The document, either form.
    private struct File: Decodable {
        var config = QuantizationConfig()

        init(from decoder: any Decoder) throws {
            guard var root = try? decoder.container(keyedBy: ConfigKey.self) else {
                throw ConfigProblem(message: "the top level must be an object")
            }
            let wrapper = ConfigKey(stringValue: extraOptionsKey)
            if root.contains(wrapper) {
                for key in root.allKeys.map(\.stringValue).sorted() where key != extraOptionsKey {
                    throw ConfigProblem(
                        message: "extra_options key '\(key)' is not read from a quantization config "
                            + "(only \(extraOptionsKey); qdqc's flags set the rest)")
                }
                guard let inner = try? root.nestedContainer(keyedBy: ConfigKey.self, forKey: wrapper) else {
                    throw ConfigProblem(message: "'\(extraOptionsKey)' must be an object keyed by tensor name")
                }
                root = inner
            }
            for name in root.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                config.tensors[name.stringValue] = try Self.override(in: root, name)
            }
        }

        private static func override(in entries: KeyedDecodingContainer<ConfigKey>, _ tensor: ConfigKey) throws
            -> TensorOverride
        {
            func fail(_ message: String) -> ConfigProblem {
                ConfigProblem(message: "tensor '\(tensor.stringValue)': \(message)")
            }
            guard var list = try? entries.nestedUnkeyedContainer(forKey: tensor) else {
                throw fail("must be a list of override objects")
            }
            let count = list.count ?? 0
            if count == 0 { return TensorOverride() }
            if count > 1 {
                throw fail(
                    "\(count) per-channel overrides: qdqc cannot set per-channel parameters of a weight "
                        + "(only one object per tensor)")
            }
            guard let fields = try? list.nestedContainer(keyedBy: ConfigKey.self) else {
                throw fail("index 0 must be an object")
            }
            return try entry(fields, fail)
        }

        private static func entry(_ fields: KeyedDecodingContainer<ConfigKey>, _ fail: (String) -> ConfigProblem) throws
            -> TensorOverride
        {
            var result = TensorOverride()
            var rmin: Float?
            var rmax: Float?
            func number(_ key: ConfigKey) throws -> Float {
                guard let value = try? fields.decode(Float.self, forKey: key), value.isFinite else {
                    throw fail("'\(key.stringValue)' must be a finite number")
                }
                return value
            }
            for key in fields.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                switch key.stringValue {
                case "quant_type":
                    guard let text = try? fields.decode(String.self, forKey: key), let format = quantTypes[text] else {
                        throw fail("'quant_type' must be one of \(quantTypes.keys.sorted().joined(separator: ", "))")
                    }
                    result.format = format
                case "scale":
                    let scale = try number(key)
                    guard scale.isNormal, scale > 0 else { throw fail("'scale' must be a positive normal float32") }
                    result.scale = scale
                case "zero_point":
                    guard let zeroPoint = try? fields.decode(Int.self, forKey: key),
                        (-999_999_999...999_999_999).contains(zeroPoint)
                    else { throw fail("'zero_point' must be an integer") }
                    result.zeroPoint = zeroPoint
                case "rmin": rmin = try number(key)
                case "rmax": rmax = try number(key)
                case "symmetric":
                    guard let flag = try? fields.decode(Bool.self, forKey: key) else {
                        throw fail("'symmetric' must be true or false")
                    }
                    result.symmetric = flag
                case "axis":
                    throw fail("'axis' (per-channel overrides) cannot be expressed: qdqc picks a weight's axis")
                case "reduce_range":
                    throw fail("'reduce_range' cannot be set per tensor: --reduce-range sets it for every weight")
                case "convert":
                    throw fail("'convert' (a second format for some consumers) cannot be expressed by qdqc")
                default:
                    throw fail(
                        "unknown key '\(key.stringValue)' (expected quant_type, scale, zero_point, rmin, rmax, "
                            + "symmetric)")
                }
            }
            if (result.scale == nil) != (result.zeroPoint == nil) {
                throw fail("give both 'scale' and 'zero_point' or neither")
            }
            if result.scale != nil {
                let others = [("symmetric", result.symmetric != nil), ("rmin", rmin != nil), ("rmax", rmax != nil)]
                if let key = others.first(where: \.1)?.0 { throw fail("'\(key)' is invalid with 'scale'") }
            }
            switch (rmin, rmax) {
            case (let low?, let high?):
                guard low <= high else { throw fail("'rmin' must not exceed 'rmax'") }
                result.range = CalibrationRange(min: low, max: high)
            case (nil, nil): break
            default: throw fail("give both 'rmin' and 'rmax' (qdqc replaces the whole range)")
            }
            if let problem = result.zeroPointProblem { throw fail(problem) }
            return result
        }
    }
}
