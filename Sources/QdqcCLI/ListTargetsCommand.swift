import ArgumentParser
import Passes

/// `qdqc list-targets`: the placement profiles `--target` accepts, with their formats and rules.
struct ListTargetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-targets",
        abstract: "List the quantization targets (placement profiles) --target accepts.")

    func run() throws {
        StandardOutput.write(Self.listing(QuantizationTarget.all))
    }

    /// One block per target: name and summary, then its formats and the ops it places pairs around.
    static func listing(_ targets: [QuantizationTarget]) -> String {
        var lines: [String] = []
        for (index, target) in targets.enumerated() {
            lines.append(target.name + (index == 0 ? " (default)" : "") + "  " + target.summary)
            lines.append("    activations: " + target.activationFormats.map(\.rawValue).joined(separator: ", "))
            lines.append("    weights: " + target.weightFormats.map(\.rawValue).joined(separator: ", "))
            lines.append(
                "    activation ranges: "
                    + (target.allowsAsymmetricActivations
                        ? (target.symmetricActivationsByDefault ? "symmetric (asymmetric allowed)" : "asymmetric")
                        : "symmetric only"))
            lines.append("    weights per channel by default: \(target.perChannelByDefault ? "yes" : "no")")
            if target.reducesWeightRangeByDefault {
                lines.append(
                    "    8-bit weights on the reduced 7-bit range by default (depthwise convolutions keep the full range)"
                )
            }
            lines.append("    quantized ops: " + target.placements.keys.sorted().joined(separator: ", "))
            if target.quantizesResidualAddSide {
                lines.append("    residual Add: one side (the one not from the conv)")
            }
            lines.append("    graph outputs quantized: \(target.quantizesGraphOutputs ? "yes" : "no")")
            lines.append("    int32 bias: \(target.quantizesBiasToInt32 ? "yes" : "no")")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
