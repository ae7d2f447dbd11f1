import Foundation
import Quantization
import Testing

@testable import Calibration

@Suite struct FoldTimingTemp {
    @Test func timing() throws {
        var generator = SeededGenerator(seed: 3)
        let values: [Float] = generator.normals(8192)
        let params = try QuantScheme(format: .int8, symmetric: true).params(rmin: -3, rmax: 3, tensor: "")
        var start = Date()
        var sink = 0.0
        for _ in 0..<100 {
            let restored = try QuantizationRoundTrip.values(values, params: params)
            sink += Double(restored[5])
        }
        let new = Date().timeIntervalSince(start)
        start = Date()
        let scale = Double(params.scale)
        for _ in 0..<100 {
            var restored = [Double](repeating: 0, count: values.count)
            for (index, value) in values.enumerated() {
                let code = (Double(value) / scale).rounded(.toNearestOrEven)
                restored[index] = min(max(code, -128), 127) * scale
            }
            sink += restored[5]
        }
        let old = Date().timeIntervalSince(start)
        print("FOLDTIMING new \(new) old \(old) \(sink)")
    }
}
