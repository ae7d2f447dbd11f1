import ArgumentParser
import Calibration
import Passes

/// `qdqc calib-merge PART... -o TABLE`: merges calibration parts into the table one process over all their samples writes.
struct CalibMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calib-merge",
        abstract: "Merge calibration parts (from qdqc calibrate) into one calibration table.",
        discussion: """
            Any number of parts, in any order, give the same table: the one 'qdqc calibrate' over all their \
            samples would give, and the one 'qdqc MODEL --calib-data ALL --calib-table TABLE' writes. The parts \
            must be of the same model, method and options; a truncated or edited part fails its checksum. \
            Use the table with 'qdqc MODEL -o OUT --calib-table TABLE'.
            """)

    @Argument(help: ArgumentHelp("The parts to merge.", valueName: "part"))
    var parts: [String] = []

    @Option(
        name: [.customShort("o"), .customLong("output")],
        help: ArgumentHelp("Where to write the table (schemas/calibration-table.schema.json).", valueName: "table"))
    var outputPath: String

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    mutating func validate() throws {
        if parts.isEmpty { throw ValidationError("give at least one part to merge") }
        if outputPath.isEmpty { throw ValidationError("-o/--output must not be empty") }
    }

    func run() throws {
        try OutputDestination.check(outputPath)
        var states: [(path: String, state: CalibrationState)] = []
        for path in parts {
            do {
                states.append((path, try CalibrationState.read(path: path)))
            } catch {
                throw CLIError(path: path, error)
            }
        }
        do {
            let merged = try CalibrationState.merged(states)
            let table = try merged.table(qdqcVersion: CalibratePass.tableWriterVersion)
            try table.write(to: outputPath)
            if !quiet {
                StandardError.write(
                    "wrote \(outputPath) (\(parts.count) parts, \(table.sampleCount) samples, "
                        + "\(table.tensors.count) tensors)\n")
            }
        } catch CalibrationError.table(let path, let reason) {
            // A part that does not fit the others (or the table's own destination) names itself.
            throw CLIError(path: path, message: reason)
        } catch {
            throw CLIError(path: outputPath, error)
        }
    }
}
