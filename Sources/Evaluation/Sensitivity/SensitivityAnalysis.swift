import Calibration
import Foundation
import OnnxIR
import OnnxInterpreter

/// Measures, for each quantized tensor of a QDQ model, what quantizing it alone does to the model's outputs,
/// and what leaving it alone in float (everything else quantized) gives back.
///
/// Per sample the switchable copy of the quantized model (`SwitchableModel`) runs twice in full, all float and
/// all quantized, keeping the values the suffixes read. Each tensor then costs two runs of only the part of the
/// graph after it (`Interpreter(given:)`): from the all-float values with its switch on, and from the
/// all-quantized values with its switch off. Outputs the tensor does not reach keep the full run's value.
/// SQNR is measured against the float model's outputs, summed over all samples, as `qdqc compare` and the gate
/// measure it.
public struct SensitivityAnalysis {
    /// One tensor's suffix: the plan that recomputes what follows its switches, and the values it takes.
    private struct Suffix {
        var interpreter: Interpreter
        var given: [String]
        var outputs: [String]
    }

    private let switchable: SwitchableModel
    private let full: Interpreter
    private let float: Interpreter
    /// The float model's name of each graph output of the quantized model that has a counterpart.
    private let floatOutputNames: [String: String]
    private let suffixes: [Suffix?]
    private let cached: Set<String>
    private let dataInputs: Set<String>
    private let quantizedName: String

    /// Plans the analysis of `quantized` against `float` (which names the tensors and supplies float weights);
    /// with `widens`, 8-bit activations can also run as 16-bit pairs, and with `widensWeights` 4-bit weights as
    /// int8 (`SitePrecision.wide`); with `float8`, int8/uint8 pairs can also run as FP8 E4M3
    /// (`SitePrecision.float8`).
    public init(
        float: Model, floatName: String, quantized: Model, quantizedName: String, widens: Bool = false,
        widensWeights: Bool = false, float8: Bool = false
    ) throws {
        switchable = try SwitchableModel(
            float: float, quantized: quantized, quantizedName: quantizedName, widens: widens,
            widensWeights: widensWeights, float8: float8)
        self.quantizedName = quantizedName
        let model = switchable.model
        full = try Interpreter(model: model, name: quantizedName)
        self.float = try Interpreter(model: float, name: floatName)
        var floatOutputNames: [String: String] = [:]
        for pair in TensorMatcher(float: float, quantized: quantized).pairs(outputsOnly: true) {
            floatOutputNames[pair.quantizedName] = pair.floatName
        }
        self.floatOutputNames = floatOutputNames
        let flags = Set(switchable.sites.flatMap { [$0.flag, $0.wideFlag, $0.float8Flag].compactMap { $0 } })
        dataInputs = Set(model.graph.inputs.filter { $0.initializer == nil && !flags.contains($0.name) }.map(\.name))
        var suffixes: [Suffix?] = []
        var cached = Set<String>()
        for site in switchable.sites {
            let (given, outputs) = Self.suffix(after: site.switches, in: model.graph)
            guard !outputs.isEmpty, !site.float8Only else {
                suffixes.append(nil)
                continue
            }
            cached.formUnion(given)
            suffixes.append(
                Suffix(
                    interpreter: try Interpreter(model: model, name: quantizedName, computing: outputs, given: given),
                    given: given, outputs: outputs))
        }
        self.suffixes = suffixes
        self.cached = cached
    }

    /// The number of tensors measured (those whose change reaches a graph output).
    public var tensorCount: Int { suffixes.compactMap { $0 }.count }

    /// The float model's names of the tensors that can run widened (`SitePrecision.wide`): 8-bit activations as
    /// 16-bit pairs, 4-bit weights as int8.
    public var widenableTensors: Set<String> { Set(switchable.sites.filter { $0.wideFlag != nil }.map(\.tensor)) }

    /// Whether every switchable tensor is a weight (a weight-only model: activations are not quantized).
    var quantizesOnlyWeights: Bool {
        !switchable.sites.isEmpty && switchable.sites.allSatisfy { $0.kind == .weight }
    }

    /// The bits per element each weight's codes are stored in as quantized (4 for int4), by float model name.
    var storedBits: [String: Int] {
        Dictionary(
            switchable.sites.compactMap { site in site.storedBits.map { (site.tensor, $0) } },
            uniquingKeysWith: { first, _ in first })
    }

    /// The float model's names of the tensors measured, in graph order.
    public var tensorNames: [String] { zip(switchable.sites, suffixes).filter { $0.1 != nil }.map(\.0.tensor) }

    /// Runs samples `indices` of `runner` and returns the sensitivity of every tensor (of those in `only`, when
    /// given), most sensitive first. Without `quantizedAlone` only the gains are measured (one suffix run per
    /// tensor and sample instead of two) and each `quantizedAloneSQNR` is NaN.
    public func analyze(
        runner: CalibrationRunner, indices: Range<Int>, data: String, only: Set<String>? = nil,
        quantizedAlone: Bool = true
    ) throws -> SensitivityReport {
        try analyze(
            runner: runner, indices: indices, data: data, only: only, quantizedAlone: quantizedAlone, perplexity: nil
        ).report
    }

    /// `analyze` that also measures, with `perplexity`, each tensor's next-token likelihood left alone in float
    /// (by float model name; empty without `perplexity`).
    func analyze(
        runner: CalibrationRunner, indices: Range<Int>, data: String, only: Set<String>?, quantizedAlone: Bool,
        perplexity: PerplexityMeter?
    ) throws -> (report: SensitivityReport, floatAloneLikelihoods: [String: NextTokenLikelihood]) {
        guard !indices.isEmpty else { throw CompareError.noSamples(source: data) }
        let start = Date()
        let sites = switchable.sites
        let on = try NDArray([true], dataType: .bool, shape: [])
        let off = try NDArray([false], dataType: .bool, shape: [])
        var outputNames: [String] = []
        var fullSums: [ErrorAccumulator] = []
        var aloneSums = [[ErrorAccumulator]](repeating: [], count: sites.count)
        var floatAloneSums = [[ErrorAccumulator]](repeating: [], count: sites.count)
        var ownNoise = [ErrorAccumulator](repeating: ErrorAccumulator(), count: sites.count)
        var floatAloneLikelihoods = [NextTokenLikelihood](repeating: NextTokenLikelihood(), count: sites.count)
        var skipped = switchable.skipped
        var active = zip(sites, suffixes).map { site, suffix in suffix != nil && only?.contains(site.tensor) != false }
        for (index, site) in sites.enumerated() where suffixes[index] == nil && !site.float8Only {
            skipped.append(.init(tensor: site.tensor, reason: "reaches no graph output"))
        }
        var first = true
        var layerMACs: [String: Int] = [:]
        var elements = [Int](repeating: 0, count: sites.count)
        try runner.forEachSample(in: indices) { sample in
            let inputs = sample.arrays.filter { dataInputs.contains($0.key) }
            var floatInputs = inputs
            var quantizedInputs = inputs
            for (name, flag) in try flagInputs({ _ in .float }) { floatInputs[name] = flag }
            for (name, flag) in try flagInputs({ _ in .quantized }) { quantizedInputs[name] = flag }
            let (floatOutputs, floatCache, shapes) = try run(full, floatInputs, recordShapes: first)
            let (quantizedOutputs, quantizedCache, _) = try run(full, quantizedInputs)
            let floatModelOutputs = try referenceOutputs(sample.arrays)
            if first {
                layerMACs = costs(shapes: shapes)
                elements = sites.map { site in
                    site.floatWeight?.count ?? shapes[site.floatSource].map { $0.reduce(1, *) } ?? 0
                }
                outputNames = full.outputNames.filter { floatModelOutputs[$0] != nil }
                fullSums = Array(repeating: ErrorAccumulator(), count: outputNames.count)
                for index in sites.indices {
                    aloneSums[index] = fullSums
                    floatAloneSums[index] = fullSums
                }
            }
            let reference = outputNames.map { floatModelOutputs[$0]! }
            try accumulate(&fullSums, reference: reference, outputs: quantizedOutputs, names: outputNames)
            for (index, site) in sites.enumerated() where active[index] {
                guard let suffix = suffixes[index] else { continue }
                if site.kind == .activation || first {
                    let source = try site.floatWeight ?? floatCache[site.floatSource].map { try $0.floatValues() } ?? []
                    let dequantized = try floatCache[site.dequantized[0]].map { try $0.floatValues() } ?? []
                    if source.count == dequantized.count, !source.isEmpty {
                        source.withUnsafeBufferPointer { x in
                            dequantized.withUnsafeBufferPointer { y in ownNoise[index].add(reference: x, quantized: y) }
                        }
                    }
                }
                // A float weight this far from its dequantized one is not its counterpart (a pass rescaled it).
                if first, site.kind == .weight, ownNoise[index].sampleCount > 0,
                    ownNoise[index].sqnr < Self.weightCounterpartSQNR
                {
                    active[index] = false
                    skipped.append(
                        .init(
                            tensor: site.tensor,
                            reason: "the float model's weight is not what was quantized (own SQNR "
                                + "\(String(format: "%.1f", ownNoise[index].sqnr)) dB: rescaled by --equalize?)"))
                    continue
                }
                var outputs = floatOutputs
                if quantizedAlone {
                    var alone = floatInputs
                    alone[site.flag] = on
                    for name in suffix.given { alone[name] = floatCache[name] }
                    for (name, array) in try suffix.interpreter.run(alone) { outputs[name] = array }
                    try accumulate(&aloneSums[index], reference: reference, outputs: outputs, names: outputNames)
                }
                var floatAlone = quantizedInputs
                floatAlone[site.flag] = off
                for name in suffix.given { floatAlone[name] = quantizedCache[name] }
                outputs = quantizedOutputs
                for (name, array) in try suffix.interpreter.run(floatAlone) { outputs[name] = array }
                try accumulate(&floatAloneSums[index], reference: reference, outputs: outputs, names: outputNames)
                if let perplexity {
                    floatAloneLikelihoods[index].add(try perplexity.likelihood(sample: sample, outputs: outputs))
                }
            }
            first = false
        }
        let fullSQNR = fullSums.map(\.sqnr)
        let worstFull = fullSQNR.min() ?? .infinity
        var tensors: [TensorSensitivity] = []
        for (index, site) in sites.enumerated() where active[index] {
            let outputs = outputNames.indices.map { output in
                OutputSensitivity(
                    output: floatName(outputNames[output]),
                    quantizedAloneSQNR: quantizedAlone ? aloneSums[index][output].sqnr : .nan,
                    floatAloneSQNR: floatAloneSums[index][output].sqnr)
            }
            let floatAlone = outputs.map(\.floatAloneSQNR).min() ?? .infinity
            let layers = readers[index].filter { layerMACs[$0] != nil }
            tensors.append(
                TensorSensitivity(
                    tensor: site.tensor, kind: site.kind, node: site.node, opType: site.opType,
                    position: site.position, ownSQNR: ownNoise[index].sampleCount > 0 ? ownNoise[index].sqnr : nil,
                    quantizedAloneSQNR: outputs.map(\.quantizedAloneSQNR).min() ?? .infinity,
                    floatAloneSQNR: floatAlone, gain: floatAlone - worstFull, outputs: outputs, layers: layers,
                    macs: layers.reduce(0) { $0 + (layerMACs[$1] ?? 0) }, elements: elements[index]))
        }
        let report = SensitivityReport(
            data: data, firstSample: indices.lowerBound, endSample: indices.upperBound,
            outputs: outputNames.indices.map {
                ReportOutputSQNR(output: floatName(outputNames[$0]), sqnr: fullSQNR[$0])
            },
            tensors: tensors, skipped: skipped, layerMACs: layerMACs, seconds: Date().timeIntervalSince(start))
        var likelihoods: [String: NextTokenLikelihood] = [:]
        if perplexity != nil {
            for (index, site) in sites.enumerated() where active[index] {
                likelihoods[site.tensor] = floatAloneLikelihoods[index]
            }
        }
        return (report, likelihoods)
    }

    /// The tensors that move to FP8 E4M3 together, in graph order: the quantized operands of compute layers
    /// that share one (an FP8 GEMM takes FP8 on both sides), each tensor that feeds no compute layer alone.
    /// Only groups whose every tensor has an FP8 form are listed, and none with a layer that also reads a
    /// quantized operand no switch moves (a weight SmoothQuant rescaled, a pair inside a body), which would
    /// leave that layer half int8.
    var float8Groups: [[(tensor: String, kind: TensorPairKind)]] {
        let sites = switchable.sites
        var owner: [ObjectIdentifier: Int] = [:]
        for (index, site) in sites.enumerated() {
            for node in site.switches { owner[ObjectIdentifier(node)] = index }
        }
        // The site an operand comes from, through layout ops; blocked when it is an unswitched pair's output.
        func origin(_ value: Value) -> (site: Int?, blocked: Bool) {
            var value = value
            while let producer = value.producer {
                if let site = owner[ObjectIdentifier(producer)] { return (site, false) }
                if TensorMatcher.isDequantize(producer) { return (nil, true) }
                guard Self.layoutOps.contains(producer.opType), let input = producer.inputs.first ?? nil else { break }
                value = input
            }
            return (nil, false)
        }
        var parent = Array(sites.indices)
        func root(_ index: Int) -> Int {
            var index = index
            while parent[index] != index { index = parent[index] }
            return index
        }
        var blockedRoots = Set<Int>()
        var blocked: [Int] = []
        for layer in switchable.model.graph.nodes where LayerCost.computeOps.contains(layer.opType) {
            let operands = layer.inputs.prefix(2).compactMap { $0 }.map(origin)
            let members = operands.compactMap(\.site)
            guard let first = members.first else { continue }
            for member in members.dropFirst() {
                let (a, b) = (root(first), root(member))
                parent[max(a, b)] = min(a, b)
            }
            if operands.contains(where: \.blocked) { blocked.append(first) }
        }
        for index in blocked { blockedRoots.insert(root(index)) }
        var groups: [Int: [Int]] = [:]
        for index in sites.indices { groups[root(index), default: []].append(index) }
        return groups.keys.sorted().compactMap { key in
            let members = groups[key]!
            guard !blockedRoots.contains(key), members.allSatisfy({ sites[$0].float8Flag != nil }) else { return nil }
            return members.map { (sites[$0].tensor, sites[$0].kind) }
        }
    }

    /// Ops that only move an operand's elements, through which an FP8 group follows a layer's operand.
    private static let layoutOps: Set<String> = ["Transpose", "Reshape", "Squeeze", "Unsqueeze", "Identity", "Flatten"]

    /// The compute layers reading each site's switched values (display names).
    private var readers: [[String]] {
        switchable.sites.map { site in
            var names: [String] = []
            for choice in site.switches {
                for use in choice.outputs[0]?.uses ?? [] where LayerCost.computeOps.contains(use.node.opType) {
                    if !names.contains(use.node.displayName) { names.append(use.node.displayName) }
                }
            }
            return names
        }
    }

    /// Every compute layer's MACs per sample, from the first sample's shapes.
    private func costs(shapes: [String: [Int]]) -> [String: Int] {
        var macs: [String: Int] = [:]
        for node in switchable.model.graph.nodes {
            if let count = LayerCost.macs(of: node, shapes: shapes) { macs[node.displayName] = count }
        }
        return macs
    }

    /// Each graph output's SQNR over samples `indices` of `runner` with each measured tensor at its precision
    /// in `precisions` (quantized when absent; one run of the switchable model per sample, after the all-float
    /// reference, which `references` keeps between calls).
    public func outputSQNR(
        runner: CalibrationRunner, indices: Range<Int>, precisions: [String: SitePrecision],
        references: SensitivityReferences
    ) throws -> [ReportOutputSQNR] {
        try gains(
            runner: runner, indices: indices, base: precisions, candidates: [], references: references
        ).base
    }

    /// The outputs' SQNR with the tensors at `base` (quantized when absent), and for each candidate the outputs'
    /// SQNR with that one tensor moved to its precision as well: one run of the switchable model per sample at
    /// `base`, then one run of the candidate's suffix only, given the base run's values. `references` keeps
    /// the float model's outputs between calls on the same samples.
    public func gains(
        runner: CalibrationRunner, indices: Range<Int>, base: [String: SitePrecision],
        candidates: [(tensor: String, precision: SitePrecision)], references: SensitivityReferences
    ) throws -> (base: [ReportOutputSQNR], candidates: [[ReportOutputSQNR]]) {
        let measured = try measure(
            runner: runner, indices: indices, base: base, candidates: candidates, references: references,
            perplexity: nil)
        return (measured.base.outputs, measured.candidates.map(\.outputs))
    }

    /// `gains` that also measures, with `perplexity`, the next-token likelihood of the base and of each
    /// candidate, and the float model's on the same samples.
    func measure(
        runner: CalibrationRunner, indices: Range<Int>, base: [String: SitePrecision],
        candidates: [(tensor: String, precision: SitePrecision)], references: SensitivityReferences,
        perplexity: PerplexityMeter?
    ) throws -> (base: SwitchedMeasurement, candidates: [SwitchedMeasurement], float: NextTokenLikelihood) {
        let sites = switchable.sites
        let siteIndex = Dictionary(sites.enumerated().map { ($1.tensor, $0) }, uniquingKeysWith: { first, _ in first })
        let wanted = candidates.map { candidate in
            siteIndex[candidate.tensor].flatMap { suffixes[$0] != nil ? $0 : nil }
        }
        let on = try NDArray([true], dataType: .bool, shape: [])
        let off = try NDArray([false], dataType: .bool, shape: [])
        var sums: [ErrorAccumulator] = []
        var candidateSums: [[ErrorAccumulator]] = []
        var likelihood = NextTokenLikelihood()
        var candidateLikelihoods = [NextTokenLikelihood](repeating: NextTokenLikelihood(), count: candidates.count)
        var floatLikelihood = NextTokenLikelihood()
        var names: [String] = []
        try runner.forEachSample(in: indices) { sample in
            var inputs = sample.arrays.filter { dataInputs.contains($0.key) }
            if references.outputs[sample.name] == nil
                || (perplexity != nil && references.likelihoods[sample.name] == nil)
            {
                var floats: [String: [Float]] = [:]
                let outputs = try referenceOutputs(sample.arrays)
                for (name, array) in outputs {
                    if let values = try? array.floatValues() { floats[name] = values }
                }
                references.outputs[sample.name] = floats
                if let perplexity {
                    references.likelihoods[sample.name] = try perplexity.likelihood(sample: sample, outputs: outputs)
                }
            }
            if let float = references.likelihoods[sample.name], perplexity != nil { floatLikelihood.add(float) }
            let reference = references.outputs[sample.name] ?? [:]
            if names.isEmpty {
                names = full.outputNames.filter { reference[$0] != nil }
                sums = Array(repeating: ErrorAccumulator(), count: names.count)
                candidateSums = Array(repeating: sums, count: candidates.count)
            }
            for (name, flag) in try flagInputs({ base[$0.tensor] ?? .quantized }) { inputs[name] = flag }
            let (outputs, cache, _) =
                candidates.isEmpty ? (try full.run(inputs), [:], [:]) : try run(full, inputs)
            try add(outputs, to: &sums, names: names, reference: reference)
            if let perplexity { likelihood.add(try perplexity.likelihood(sample: sample, outputs: outputs)) }
            for (position, candidate) in candidates.enumerated() {
                guard let index = wanted[position], let suffix = suffixes[index] else { continue }
                var moved = inputs
                let site = sites[index]
                Self.setFlags(of: site, to: candidate.precision, in: &moved, on: on, off: off)
                for name in suffix.given { moved[name] = cache[name] }
                var changed = outputs
                for (name, array) in try suffix.interpreter.run(moved) { changed[name] = array }
                try add(changed, to: &candidateSums[position], names: names, reference: reference)
                if let perplexity {
                    candidateLikelihoods[position].add(try perplexity.likelihood(sample: sample, outputs: changed))
                }
            }
        }
        let report = { (sums: [ErrorAccumulator]) in
            names.indices.map { ReportOutputSQNR(output: floatName(names[$0]), sqnr: sums[$0].sqnr) }
        }
        let measured = { (sums: [ErrorAccumulator], likelihood: NextTokenLikelihood) in
            SwitchedMeasurement(outputs: report(sums), likelihood: perplexity == nil ? nil : likelihood)
        }
        return (
            measured(sums, likelihood), zip(candidateSums, candidateLikelihoods).map { measured($0.0, $0.1) },
            floatLikelihood
        )
    }

    /// The flag inputs that put every site at the precision `precision` gives it (a site without a 16-bit pair
    /// runs float for `.wide`).
    private func flagInputs(_ precision: (SensitivitySite) -> SitePrecision) throws -> [String: NDArray] {
        let on = try NDArray([true], dataType: .bool, shape: [])
        let off = try NDArray([false], dataType: .bool, shape: [])
        var flags: [String: NDArray] = [:]
        for site in switchable.sites { Self.setFlags(of: site, to: precision(site), in: &flags, on: on, off: off) }
        return flags
    }

    /// Sets the flag inputs that put `site` at `precision` (a site without the form `precision` names runs
    /// float for `.wide` and its own pair for `.float8`).
    private static func setFlags(
        of site: SensitivitySite, to precision: SitePrecision, in flags: inout [String: NDArray], on: NDArray,
        off: NDArray
    ) {
        flags[site.flag] = precision.isEightBit ? on : off
        if let wideFlag = site.wideFlag { flags[wideFlag] = precision == .wide ? on : off }
        if let float8Flag = site.float8Flag { flags[float8Flag] = precision == .float8 ? on : off }
    }

    private func add(
        _ outputs: [String: NDArray], to sums: inout [ErrorAccumulator], names: [String],
        reference: [String: [Float]]
    ) throws {
        for (index, name) in names.enumerated() {
            guard let x = reference[name], let array = outputs[name] else { continue }
            let y = try array.floatValues()
            guard x.count == y.count else { continue }
            x.withUnsafeBufferPointer { x in
                y.withUnsafeBufferPointer { y in sums[index].add(reference: x, quantized: y) }
            }
        }
    }

    /// The float model's outputs on `arrays`, keyed by the quantized model's names for them.
    private func referenceOutputs(_ arrays: [String: NDArray]) throws -> [String: NDArray] {
        let declared = Set(float.inputNames)
        let outputs = try float.run(arrays.filter { declared.contains($0.key) })
        var byQuantizedName: [String: NDArray] = [:]
        for (quantizedName, floatName) in floatOutputNames { byQuantizedName[quantizedName] = outputs[floatName] }
        return byQuantizedName
    }

    private func floatName(_ quantizedName: String) -> String { floatOutputNames[quantizedName] ?? quantizedName }

    /// Below this own SQNR in dB a float weight is taken not to be the quantized weight's counterpart (int2
    /// quantization still gives about 8 dB; a weight rescaled per channel by equalization gives about 0).
    static let weightCounterpartSQNR = 3.0

    /// Runs `interpreter` on `inputs`, keeping copies of the values some suffix will be given.
    private func run(_ interpreter: Interpreter, _ inputs: [String: NDArray], recordShapes: Bool = false) throws
        -> (outputs: [String: NDArray], cache: [String: NDArray], shapes: [String: [Int]])
    {
        var cache: [String: NDArray] = [:]
        var shapes: [String: [Int]] = [:]
        let wanted = cached
        let outputs = try interpreter.run(inputs) { observed in
            guard observed.depth == 0 else { return }
            if wanted.contains(observed.name) { cache[observed.name] = observed.array }
            if recordShapes { shapes[observed.name] = observed.array.shape }
        }
        return (outputs, cache, shapes)
    }

    private func accumulate(
        _ sums: inout [ErrorAccumulator], reference: [NDArray], outputs: [String: NDArray], names: [String]
    ) throws {
        for (index, name) in names.enumerated() {
            guard let array = outputs[name] else { continue }
            let x = try reference[index].floatValues()
            let y = try array.floatValues()
            guard x.count == y.count else {
                throw CompareError.unreadable(
                    tensor: name, model: quantizedName,
                    reason: "\(y.count) elements where the float run gave \(x.count)")
            }
            x.withUnsafeBufferPointer { x in
                y.withUnsafeBufferPointer { y in sums[index].add(reference: x, quantized: y) }
            }
        }
    }

    /// What the plan after `switches` is given (values it reads that it does not compute) and which graph
    /// outputs it recomputes (those the switches reach).
    static func suffix(after switches: [Node], in graph: Graph) -> (given: [String], outputs: [String]) {
        var changed = Set<ObjectIdentifier>()
        var inSuffix = Set<ObjectIdentifier>(switches.map(ObjectIdentifier.init))
        for node in switches { for case let output? in node.outputs { changed.insert(ObjectIdentifier(output)) } }
        // Repeat until nothing new is reached: one pass for a sorted graph, and safe for an unsorted one.
        var grew = true
        while grew {
            grew = false
            for node in graph.nodes where !inSuffix.contains(ObjectIdentifier(node)) {
                guard reads(node).contains(where: { changed.contains(ObjectIdentifier($0)) }) else { continue }
                inSuffix.insert(ObjectIdentifier(node))
                for case let output? in node.outputs { changed.insert(ObjectIdentifier(output)) }
                grew = true
            }
        }
        let graphInputs = Set(graph.inputs.map(ObjectIdentifier.init))
        var given: [String] = []
        var seen = Set<ObjectIdentifier>()
        for node in graph.nodes where inSuffix.contains(ObjectIdentifier(node)) {
            for value in reads(node) {
                let id = ObjectIdentifier(value)
                guard !changed.contains(id), !value.isConstant, !graphInputs.contains(id), value.producer != nil,
                    value.producer?.graph === graph, seen.insert(id).inserted
                else { continue }
                given.append(value.name)
            }
        }
        let outputs = graph.outputs.filter { changed.contains(ObjectIdentifier($0)) }.map(\.name)
        return (given, outputs)
    }

    /// The values `node` reads: its inputs and whatever the graphs inside it use from outside.
    private static func reads(_ node: Node) -> [Value] {
        var values = node.inputs.compactMap { $0 }
        var pending = node.subgraphs
        while let graph = pending.popLast() {
            for inner in graph.nodes {
                values += inner.inputs.compactMap { $0 }
                pending += inner.subgraphs
            }
            values += graph.outputs
        }
        return values
    }
}
