import Foundation
import Testing

/// One `passes/<pass>/cases/<case>/` folder: input, expected output and optional pipeline.
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
