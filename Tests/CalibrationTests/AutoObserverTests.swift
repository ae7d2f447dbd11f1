import Calibration
import Quantization
import SeededRandom
import Testing

/// The auto method: per tensor, the range among minmax, percentile, entropy and mse with the least round-trip error.
@Suite struct AutoObserverTests {
    private static let scheme = MSEOptions.defaultScheme

    /// Data of three kinds: a Gaussian, a Laplacian-like tail, and a bulk with a far cluster (a detector's logits).
    static let datasets: [(String, [Float])] = {
        var random = SplitMix64(seed: 7)
        let gaussian = random.normals(20000)
        let laplace = random.normals(20000).map { $0 * $0 * $0 }
        let cluster = random.normals(20000).map { $0 * 0.5 } + (0..<300).map { Float(40 + $0 % 7) }
        return [("gaussian", gaussian), ("heavy tail", laplace), ("far cluster", cluster)]
    }()

    @Test(arguments: 0..<3)
    func theChosenRangeHasNoMoreErrorThanAnyCandidateMethod(dataset: Int) throws {
        let (name, values) = Self.datasets[dataset]
        let auto = try Feed.result(.auto(AutoOptions()), [values])
        let autoError = try RoundTripError.meanSquared(values, auto.range, Self.scheme)
        let candidates: [ObserverConfiguration] = [
            .minMax(MinMaxOptions()), .percentile(PercentileOptions()),
            .entropy(EntropyOptions(grid: .streaming)), .mse(MSEOptions()),
        ]
        for configuration in candidates {
            let other = try Feed.result(configuration, [values])
            let error = try RoundTripError.meanSquared(values, other.range, Self.scheme)
            // The score reads bin centres; on the raw values the choice is within a percent of each candidate's.
            #expect(
                autoError <= error * 1.01,
                "\(name): auto (\(auto.autoChoice?.rawValue ?? "?")) \(autoError) vs \(configuration.method) \(error)")
        }
        #expect(auto.autoChoice != nil && auto.autoChoice != .auto)
        #expect(auto.meanSquaredError != nil)
    }

    /// A far cluster carries the answer: entropy's KL window clips it, auto keeps it.
    @Test func aFarClusterIsNotClippedAway() throws {
        let values = Self.datasets[2].1
        let entropy = try Feed.result(.entropy(EntropyOptions(grid: .streaming)), [values])
        let auto = try Feed.result(.auto(AutoOptions()), [values])
        #expect(entropy.range.max < 40, "the premise: entropy clips the cluster (\(entropy.range))")
        #expect(auto.range.max >= 40, "auto keeps it: \(auto.range) (\(auto.autoChoice?.rawValue ?? "?"))")
    }

    @Test func optionsAndTheirErrors() throws {
        let parsed = try ObserverConfiguration(method: "auto", options: ["percentile": "99.9", "format": "uint8"])
        guard case .auto(let options) = parsed else {
            Issue.record("not auto: \(parsed)")
            return
        }
        #expect(options.percentile.percentile == 99.9)
        #expect(options.mse.scheme.format == .uint8)
        #expect(options.entropy.grid == .streaming)
        #expect(parsed.tableOptions["format"] == .string("uint8"))
        for (option, value) in [("format", "int16"), ("format", "float8e4m3fn"), ("grid", "known-range")] {
            do {
                _ = try ObserverConfiguration(method: "auto", options: [option: value])
                Issue.record("\(option)=\(value) was accepted")
            } catch {
                let text = "\(error)"
                #expect(!text.contains("\n") && text.contains(option), "\(text)")
            }
        }
    }
}
