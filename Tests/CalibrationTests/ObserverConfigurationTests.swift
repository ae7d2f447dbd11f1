import Calibration
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
                == .mse(MSEOptions(format: .float8E4M3FN, candidates: 64)))
    }

    @Test(
        arguments: [
            ("magic", [:], "unknown calibration method 'magic' (known: minmax, percentile, entropy, mse)"),
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
                "mse", ["format": "int4"],
                "calibration method mse: option format=int4 is invalid, expected one of int8-symmetric, int8-asymmetric, uint8-symmetric, uint8-asymmetric, int16-symmetric, int16-asymmetric, float8e4m3fn"
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
        for method in CalibrationMethod.allCases {
            let names = Set(try ObserverConfiguration(method: method.rawValue).tableOptions.keys)
            #expect(names.isSubset(of: ObserverConfiguration.optionNames(for: method)))
            #expect(!names.isEmpty)
        }
    }
}
