import Calibration
import Foundation
import Passes
import Quantization
import Testing

/// `--quant-config` files in ONNX Runtime's TensorQuantOverrides dialect: what maps onto a `TensorOverride` and
/// the one-line errors for what does not.
@Suite struct OnnxRuntimeOverridesTests {
    static func read(_ json: String) throws -> QuantizationConfig {
        try QuantizationConfig(jsonData: Data(json.utf8), path: "o.json")
    }

    @Test func keysMapOntoTensorOverrides() throws {
        let config = try Self.read(
            """
            {"x": [{"rmin": -1.5, "rmax": 2.25, "symmetric": true}],
             "y": [{"quant_type": "QInt16", "scale": 0.125, "zero_point": -3}],
             "z": [{"quant_type": "QFLOAT8E4M3FN"}], "e": [], "f": [{}]}
            """)
        #expect(config.tensors["x"] == TensorOverride(range: CalibrationRange(min: -1.5, max: 2.25), symmetric: true))
        #expect(config.tensors["y"] == TensorOverride(format: .int16, scale: 0.125, zeroPoint: -3))
        #expect(config.tensors["z"] == TensorOverride(format: .float8e4m3fn))
        #expect(config.tensors["e"] == TensorOverride())
        #expect(config.tensors["f"] == TensorOverride())
        let wrapped = try Self.read("{\"TensorQuantOverrides\": {\"x\": [{\"quant_type\": \"QUInt4\"}]}}")
        #expect(wrapped.tensors == ["x": TensorOverride(format: .uint4)])
    }

    @Test func qdqcsOwnDialectIsStillReadAsItself() throws {
        let config = try Self.read("{\"tensors\": {\"x\": {\"format\": \"int8\"}}}")
        #expect(config.tensors == ["x": TensorOverride(format: .int8)])
        #expect(throws: InsertQDQError.self) { try Self.read("{\"tensors\": []}") }
    }

    @Test func whatQdqcCannotExpressIsRefusedNamingTensorAndKey() {
        let cases: [(String, String)] = [
            ("{\"x\": [{\"convert\": {\"quant_type\": \"QUInt16\"}}]}", "tensor 'x': 'convert'"),
            ("{\"w\": [{\"axis\": 0}]}", "tensor 'w': 'axis'"),
            (
                "{\"w\": [{\"scale\": 1, \"zero_point\": 0}, {\"scale\": 1, \"zero_point\": 0}]}",
                "tensor 'w': 2 per-channel"
            ),
            ("{\"w\": [{\"reduce_range\": true}]}", "tensor 'w': 'reduce_range'"),
            ("{\"x\": [{\"quant_type\": \"QInt3\"}]}", "tensor 'x': 'quant_type' must be one of"),
            ("{\"x\": [{\"scale\": 0.5}]}", "tensor 'x': give both 'scale' and 'zero_point'"),
            (
                "{\"x\": [{\"scale\": 0.5, \"zero_point\": 0, \"symmetric\": true}]}",
                "'symmetric' is invalid with 'scale'"
            ),
            ("{\"x\": [{\"rmin\": -1}]}", "tensor 'x': give both 'rmin' and 'rmax'"),
            ("{\"x\": [{\"rmin\": 2, \"rmax\": 1}]}", "'rmin' must not exceed 'rmax'"),
            ("{\"x\": [{\"rmin\": 0, \"rmax\": 1e39}]}", "'rmax' must be a finite number"),
            ("{\"x\": [{\"quant_type\": \"QUInt8\", \"scale\": 1, \"zero_point\": 300}]}", "zero point 300 is outside"),
            ("{\"x\": [{\"colour\": 1}]}", "tensor 'x': unknown key 'colour'"),
            ("{\"x\": [3]}", "tensor 'x': index 0 must be an object"),
            (
                "{\"TensorQuantOverrides\": {}, \"ActivationSymmetric\": true}",
                "extra_options key 'ActivationSymmetric'"
            ),
            ("{\"TensorQuantOverrides\": [1]}", "'TensorQuantOverrides' must be an object"),
            ("{\"TensorQuantOverrides\": {\"x\": 1}}", "tensor 'x': must be a list"),
        ]
        for (json, fragment) in cases {
            do {
                _ = try Self.read(json)
                Issue.record("\(json) was accepted")
            } catch {
                let message = "\(error)"
                #expect(message.contains(fragment) && message.contains("'o.json' (ONNX Runtime"), "\(json): \(message)")
                #expect(!message.contains("\n"))
            }
        }
    }
}
