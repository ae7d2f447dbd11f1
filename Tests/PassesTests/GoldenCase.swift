import Foundation
import Passes
import Testing

/// One `passes/<pass>/cases/<case>/` folder: input, expected output, optional pipeline and the files it names.
struct GoldenCase: CustomTestStringConvertible, Sendable {
    let pass: String
    let name: String
    let directory: URL

    var testDescription: String { "\(pass)/\(name)" }

    var inputURL: URL { directory.appendingPathComponent("input.onnxtxt") }
    var expectedURL: URL { directory.appendingPathComponent("expected.onnxtxt") }
    var pipelineURL: URL { directory.appendingPathComponent("pipeline.txt") }
    /// Calibration samples for passes that need them (`calib/`, a folder of `.npz` files), if present.
    var calibrationURL: URL? {
        let url = directory.appendingPathComponent("calib")
        return Repository.isDirectory(url) ? url : nil
    }

    /// The pipeline to run: `pipeline.txt` if present, else the pass alone.
    func pipelineText() throws -> String {
        guard FileManager.default.fileExists(atPath: pipelineURL.path) else { return pass }
        return try Repository.read(pipelineURL)
    }

    /// The parsed pipeline, an option value that names a file of the case folder (`table=calibration-table.json`)
    /// resolved against that folder, so a case runs from any working directory.
    func pipeline() throws -> Pipeline {
        var pipeline = try Pipeline.parse(try pipelineText())
        for element in pipeline.elements.indices {
            for option in pipeline.elements[element].options.indices {
                let value = pipeline.elements[element].options[option].value
                let file = directory.appendingPathComponent(value)
                guard !value.isEmpty, !value.hasPrefix("/"), FileManager.default.fileExists(atPath: file.path)
                else { continue }
                pipeline.elements[element].options[option].value = file.path
            }
        }
        return pipeline
    }

    /// Every case of every pass folder (the pipelines folder holds recipes, not passes).
    static func all() -> [GoldenCase] {
        Repository.folders(in: Repository.passesDirectory).filter { $0.lastPathComponent != "pipelines" }
            .flatMap { passFolder in
                Repository.folders(in: passFolder.appendingPathComponent("cases")).map {
                    GoldenCase(pass: passFolder.lastPathComponent, name: $0.lastPathComponent, directory: $0)
                }
            }
    }
}
