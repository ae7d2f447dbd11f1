import Calibration
import Quantization
import Testing

/// Method names and option text, as a pipeline gives them.
@Suite struct ObserverConfigurationTests {
    @Test func defaultsPerMethod() throws {
        #expect(try ObserverConfiguration(method: "minmax") == .minMax(MinMaxOptions()))
        #expect(try ObserverConfiguration(method: "percentile") == .percentile(PercentileOptions()))
        #expect(try ObserverConfiguration(method: "entropy") == .entropy(EntropyOptions()))
        #expect(try ObserverConfiguration(method: "mse") == .mse(MSEOptions()))
    }

    @Test func optionTextIsTyped() throws {
        #expect(
            try ObserverConfiguration(
                method: "minmax", options: ["averaging": "exponential", "averaging-constant": "0.2"])
                == .minMax(MinMaxOptions(averaging: .exponential(constant: 0.2))))
        #expect(
            try ObserverConfiguration(method: "percentile", options: ["percentile": "99.99", "symmetric": "false"])
                == .percentile(PercentileOptions(percentile: 99.99, symmetric: false)))
        #expect(
            try ObserverConfiguration(
                method: "entropy", options: ["variant": "tensorrt", "bins": "1024", "grid": "streaming"])
                == .entropy(EntropyOptions(variant: .tensorRT, bins: 1024, grid: .streaming)))
        #expect(
            try ObserverConfiguration(method: "mse", options: ["format": "float8e4m3fn", "candidates": "64"])
                == .mse(MSEOptions(scheme: QuantScheme(format: .float8e4m3fn, symmetric: true), candidates: 64)))
        #expect(
            try ObserverConfiguration(
                method: "mse",
                options: ["format": "uint8", "symmetric": "false", "integer-range": "reduced", "min-real-range": "0.5"])
                == .mse(
                    MSEOptions(
                        scheme: QuantScheme(format: .uint8, symmetric: false, rangeKind: .reduced, minRealRange: 0.5))))
    }

    @Test(
        arguments: [
            ("magic", [:], "unknown calibration method 'magic' (known: minmax, percentile, entropy, mse, auto)"),
            (
                "minmax", ["bins": "2"],
                "calibration method minmax: unknown option bins (known: averaging, averaging-constant, symmetric)"
            ),
            (
                "percentile", ["percentile": "high"],
                "calibration method percentile: option percentile=high is invalid, expected a number"
            ),
            (
                "percentile", ["percentile": "101"],
                "calibration method percentile: option percentile=101.0 is invalid, expected a number in (0, 100]"
            ),
            (
                "entropy", ["variant": "mxnet"],
                "calibration method entropy: option variant=mxnet is invalid, expected one of onnxruntime, tensorrt"
            ),
            (
                "mse", ["format": "int8-symmetric"],
                "calibration method mse: option format=int8-symmetric is invalid, expected one of int8, uint8, int16, uint16, int4, uint4, float8e4m3fn, float8e5m2"
            ),
            (
                "mse", ["integer-range": "narrow"],
                "calibration method mse: option integer-range=narrow is invalid, expected one of full, restricted, reduced"
            ),
            (
                "mse", ["min-real-range": "-1"],
                "calibration method mse: option min-real-range=-1.0 is invalid, expected a finite number >= 0"
            ),
            (
                "minmax", ["symmetric": "maybe"],
                "calibration method minmax: option symmetric=maybe is invalid, expected true or false"
            ),
        ] as [(String, [String: String], String)])
    func badTextIsAOneLineError(method: String, options: [String: String], message: String) {
        do {
            _ = try ObserverConfiguration(method: method, options: options)
            Issue.record("accepted \(method) \(options)")
        } catch let error as CalibrationError {
            #expect(error.description == message)
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func tableOptionsNameEverySettingIncludingDefaults() throws {
        #expect(
            ObserverConfiguration.percentile(PercentileOptions()).tableOptions == [
                "percentile": .double(99.999), "symmetric": .bool(true), "histogram-bins": .int(4096),
            ])
        #expect(
            ObserverConfiguration.minMax(MinMaxOptions(averaging: .exponential(constant: 0.01))).tableOptions == [
                "symmetric": .bool(false), "averaging": .string("exponential"), "averaging-constant": .double(0.01),
            ])
        #expect(
            ObserverConfiguration.mse(MSEOptions()).tableOptions == [
                "format": .string("int8"), "symmetric": .bool(true), "integer-range": .string("full"),
                "candidates": .int(512), "histogram-bins": .int(4096),
            ])
        let withMinimum = MSEOptions(scheme: QuantScheme(format: .int8, symmetric: true, minRealRange: 0.25))
        #expect(ObserverConfiguration.mse(withMinimum).tableOptions["min-real-range"] == .double(0.25))
        for method in CalibrationMethod.allCases {
            let names = Set(try ObserverConfiguration(method: method.rawValue).tableOptions.keys)
            #expect(names.isSubset(of: ObserverConfiguration.optionNames(for: method)))
            #expect(!names.isEmpty)
        }
    }
}
