import Quantization

/// Typed reading of option text for one method, with the defaults of its options structs.
struct OptionText {
    /// The method, for error messages.
    let method: String
    /// The given `name=value` pairs.
    let values: [String: String]

    /// Min/max settings.
    func minMaxOptions() throws -> MinMaxOptions {
        let defaults = MinMaxOptions()
        let averaging: MinMaxAveraging
        switch try choice("averaging", ["none", "mean", "exponential"], default: defaults.averaging.name) {
        case "mean": averaging = .mean
        case "exponential": averaging = .exponential(constant: try number("averaging-constant", default: 0.01))
        default: averaging = .none
        }
        return MinMaxOptions(symmetric: try bool("symmetric", default: defaults.symmetric), averaging: averaging)
    }

    /// Percentile settings.
    func percentileOptions() throws -> PercentileOptions {
        let defaults = PercentileOptions()
        return PercentileOptions(
            percentile: try number("percentile", default: defaults.percentile),
            symmetric: try bool("symmetric", default: defaults.symmetric),
            histogramBins: try integer("histogram-bins", default: defaults.histogramBins))
    }

    /// Entropy settings.
    func entropyOptions() throws -> EntropyOptions {
        let defaults = EntropyOptions()
        let variant = try choice(
            "variant", EntropyVariant.allCases.map(\.rawValue), default: defaults.variant.rawValue)
        let grid = try choice("grid", EntropyGrid.allCases.map(\.rawValue), default: defaults.grid.rawValue)
        return EntropyOptions(
            variant: EntropyVariant(rawValue: variant) ?? defaults.variant,
            bins: try integer("bins", default: defaults.bins),
            quantizedBins: try integer("quantized-bins", default: defaults.quantizedBins),
            grid: EntropyGrid(rawValue: grid) ?? defaults.grid,
            histogramBins: try integer("histogram-bins", default: defaults.histogramBins))
    }

    /// MSE settings: the scheme is spelled as `format`, `symmetric`, `integer-range` and `min-real-range`.
    func mseOptions() throws -> MSEOptions {
        let defaults = MSEOptions()
        let format = try choice(
            "format", QuantFormat.qdqFormats.map(\.rawValue), default: defaults.scheme.format.rawValue)
        let rangeKind = try choice(
            "integer-range", IntegerRangeKind.allCases.map(\.rawValue), default: defaults.scheme.rangeKind.rawValue)
        let scheme = QuantScheme(
            format: QuantFormat(rawValue: format) ?? defaults.scheme.format,
            symmetric: try bool("symmetric", default: defaults.scheme.symmetric),
            rangeKind: IntegerRangeKind(rawValue: rangeKind) ?? defaults.scheme.rangeKind,
            minRealRange: try optionalNumber("min-real-range").map { Float($0) } ?? defaults.scheme.minRealRange)
        return MSEOptions(
            scheme: scheme, candidates: try integer("candidates", default: defaults.candidates),
            histogramBins: try integer("histogram-bins", default: defaults.histogramBins))
    }

    /// Auto settings: the percentile candidate's `percentile` and `symmetric`, entropy's `bins` and
    /// `quantized-bins`, and the MSE scheme and `candidates`, over one histogram of `histogram-bins`.
    func autoOptions() throws -> AutoOptions {
        let defaults = AutoOptions()
        let mse = try mseOptions()
        return AutoOptions(
            percentile: try number("percentile", default: defaults.percentile.percentile),
            symmetric: try bool("symmetric", default: defaults.percentile.symmetric),
            quantizedBins: try integer("quantized-bins", default: defaults.entropy.quantizedBins),
            entropyBins: try integer("bins", default: defaults.entropy.bins), scheme: mse.scheme,
            candidates: mse.candidates, histogramBins: mse.histogramBins)
    }

    private func bool(_ name: String, default fallback: Bool) throws -> Bool {
        guard let text = values[name] else { return fallback }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw invalid(name, text, expected: "true or false")
        }
    }

    private func integer(_ name: String, default fallback: Int) throws -> Int {
        guard let text = values[name] else { return fallback }
        guard let value = Int(text) else { throw invalid(name, text, expected: "an integer") }
        return value
    }

    private func number(_ name: String, default fallback: Double) throws -> Double {
        try optionalNumber(name) ?? fallback
    }

    private func optionalNumber(_ name: String) throws -> Double? {
        guard let text = values[name] else { return nil }
        guard let value = Double(text), value.isFinite else { throw invalid(name, text, expected: "a number") }
        return value
    }

    private func choice(_ name: String, _ choices: [String], default fallback: String) throws -> String {
        guard let text = values[name] else { return fallback }
        guard choices.contains(text) else {
            throw invalid(name, text, expected: "one of " + choices.joined(separator: ", "))
        }
        return text
    }

    private func invalid(_ name: String, _ value: String, expected: String) -> CalibrationError {
        .invalidOption(method: method, option: name, value: value, expected: expected)
    }
}
