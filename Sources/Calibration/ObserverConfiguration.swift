/// A calibration method with its settings: makes observers and names the settings in a table.
public enum ObserverConfiguration: Equatable, Sendable {
    /// The min/max method.
    case minMax(MinMaxOptions)
    /// The percentile method.
    case percentile(PercentileOptions)
    /// The entropy method.
    case entropy(EntropyOptions)
    /// The MSE method.
    case mse(MSEOptions)
    /// The auto method.
    case auto(AutoOptions)

    /// The method.
    public var method: CalibrationMethod {
        switch self {
        case .minMax: return .minMax
        case .percentile: return .percentile
        case .entropy: return .entropy
        case .mse: return .mse
        case .auto: return .auto
        }
    }

    /// A new observer with these settings; `knownAbsMax` is used only by entropy with the known-range grid.
    public func makeObserver(knownAbsMax: Float? = nil) throws -> any Observer {
        switch self {
        case .minMax(let options): return try MinMaxObserver(options: options)
        case .percentile(let options): return try PercentileObserver(options: options)
        case .entropy(let options): return try EntropyObserver(options: options, knownAbsMax: knownAbsMax)
        case .mse(let options): return try MSEObserver(options: options)
        case .auto(let options): return try AutoObserver(options: options)
        }
    }

    /// An observer that continues from `state` (saved by an observer of this configuration, perhaps merged).
    func makeObserver(state: TensorCalibrationState) throws -> any Observer {
        switch self {
        case .minMax(let options): return try MinMaxObserver(options: options, state: state)
        case .percentile(let options): return try PercentileObserver(options: options, state: state)
        case .entropy(let options): return try EntropyObserver(options: options, state: state)
        case .mse(let options): return try MSEObserver(options: options, state: state)
        case .auto(let options): return try AutoObserver(options: options, state: state)
        }
    }

    /// Throws unless this configuration's observers can save a state that merges exactly
    /// (`TensorCalibrationState`): every method but min/max with averaging, whose result depends on
    /// the order of the batches (exponential) or of a floating-point sum (mean).
    public func checkMergeable() throws {
        if case .minMax(let options) = self, options.averaging != MinMaxAveraging.none {
            throw CalibrationError.invalidOption(
                method: method.rawValue, option: "averaging", value: options.averaging.name,
                expected: "none for a mergeable calibration state (an average over batches depends on their order)")
        }
    }

    /// The configuration a table or state file names: its method and options (a random seed is not a method option).
    public init(key: CalibrationRunKey) throws {
        var options = key.options
        options["random-seed"] = nil
        try self.init(method: key.method.rawValue, options: options.mapValues(\.description))
    }

    /// Whether observers need each tensor's magnitude before the first batch (entropy on a known range).
    public var needsKnownRange: Bool {
        if case .entropy(let options) = self { return options.grid == .knownRange }
        return false
    }

    /// Every setting, defaults included, under its kebab-case pipeline name: what a table
    /// stores and compares, so a table made under other defaults does not match. An optional
    /// setting that is unset (mse's `min-real-range`) is left out.
    public var tableOptions: [String: OptionValue] {
        switch self {
        case .minMax(let options):
            var table: [String: OptionValue] = [
                "symmetric": .bool(options.symmetric), "averaging": .string(options.averaging.name),
            ]
            if case .exponential(let constant) = options.averaging { table["averaging-constant"] = .double(constant) }
            return table
        case .percentile(let options):
            return [
                "percentile": .double(options.percentile), "symmetric": .bool(options.symmetric),
                "histogram-bins": .int(options.histogramBins),
            ]
        case .entropy(let options):
            return [
                "variant": .string(options.variant.rawValue), "bins": .int(options.bins),
                "quantized-bins": .int(options.quantizedBins), "grid": .string(options.grid.rawValue),
                "histogram-bins": .int(options.histogramBins),
            ]
        case .mse(let options):
            var table: [String: OptionValue] = [
                "format": .string(options.scheme.format.rawValue), "symmetric": .bool(options.scheme.symmetric),
                "integer-range": .string(options.scheme.rangeKind.rawValue), "candidates": .int(options.candidates),
                "histogram-bins": .int(options.histogramBins),
            ]
            if let minRealRange = options.scheme.minRealRange {
                table["min-real-range"] = .double(Double(minRealRange))
            }
            return table
        case .auto(let options):
            // The percentile's symmetry is the scheme's: one `symmetric` option sets both.
            return [
                "percentile": .double(options.percentile.percentile), "symmetric": .bool(options.mse.scheme.symmetric),
                "bins": .int(options.entropy.bins), "quantized-bins": .int(options.entropy.quantizedBins),
                "format": .string(options.mse.scheme.format.rawValue),
                "integer-range": .string(options.mse.scheme.rangeKind.rawValue),
                "candidates": .int(options.mse.candidates), "histogram-bins": .int(options.histogramBins),
            ]
        }
    }

    /// The option names `method` accepts in `init(method:options:)`.
    public static func optionNames(for method: CalibrationMethod) -> [String] {
        switch method {
        case .minMax: return ["averaging", "averaging-constant", "symmetric"]
        case .percentile: return ["histogram-bins", "percentile", "symmetric"]
        case .entropy: return ["bins", "grid", "histogram-bins", "quantized-bins", "variant"]
        case .mse:
            return ["candidates", "format", "histogram-bins", "integer-range", "min-real-range", "symmetric"]
        case .auto:
            return [
                "bins", "candidates", "format", "histogram-bins", "integer-range", "percentile", "quantized-bins",
                "symmetric",
            ]
        }
    }

    /// Parses a method name and `name=value` option text (as a pipeline gives them); missing options take their defaults.
    public init(method name: String, options: [String: String] = [:]) throws {
        guard let method = CalibrationMethod(rawValue: name) else { throw CalibrationError.unknownMethod(name) }
        let known = Self.optionNames(for: method)
        if let unknown = options.keys.sorted().first(where: { !known.contains($0) }) {
            throw CalibrationError.unknownOption(method: name, option: unknown, known: known)
        }
        let reader = OptionText(method: name, values: options)
        switch method {
        case .minMax: self = .minMax(try reader.minMaxOptions())
        case .percentile: self = .percentile(try reader.percentileOptions())
        case .entropy: self = .entropy(try reader.entropyOptions())
        case .mse: self = .mse(try reader.mseOptions())
        case .auto: self = .auto(try reader.autoOptions())
        }
        try validate()
    }

    /// Throws if the settings are out of range.
    public func validate() throws {
        switch self {
        case .minMax(let options): try options.validate()
        case .percentile(let options): try options.validate()
        case .entropy(let options): try options.validate()
        case .mse(let options): try options.validate()
        case .auto(let options): try options.validate()
        }
    }
}
