import Foundation
import TestSupport
import Testing

/// The wheel `.ci/build-wheel` makes works where there is no Swift toolchain and none of qdqc's C libraries.
@Suite struct WheelTests {
    @Test func wheelInstallsIntoAFreshVenvAndRunsWithoutToolchainOrCLibraries() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-wheel")
        defer { scratch.remove() }
        let wheel = try Self.wheel(scratch: scratch.url)
        let check = scratch.url.appendingPathComponent("check")
        try FileManager.default.createDirectory(at: check, withIntermediateDirectories: true)
        let run = try Python.runScript(
            "wheel_check.py",
            [
                wheel.path, RepositoryPaths.root.appendingPathComponent("Tests/requirements.lock").path,
                RepositoryPaths.examples.path, check.path,
            ])
        try #require(run.succeeded, "\(run.summary)")
        #expect(run.standardOutput.contains("ok: qdqc.quantize with a generator"), "\(run.standardOutput)")
    }

    /// The newest wheel in `$QDQC_WHEEL_DIR` (CI builds it before the tests), else one built now (minutes).
    private static func wheel(scratch: URL) throws -> URL {
        var folder = ProcessInfo.processInfo.environment["QDQC_WHEEL_DIR"].map { URL(fileURLWithPath: $0) }
        if folder == nil {
            let built = scratch.appendingPathComponent("dist")
            let build = try ProcessRunner.run(
                URL(fileURLWithPath: "/bin/bash"), [".ci/build-wheel", built.path],
                workingDirectory: RepositoryPaths.root)
            try #require(build.succeeded, "\(build.summary)")
            folder = built
        }
        let wheels = try FileManager.default.contentsOfDirectory(
            at: try #require(folder), includingPropertiesForKeys: [.contentModificationDateKey]
        ).filter { $0.lastPathComponent.hasPrefix("qdqc-") && $0.pathExtension == "whl" }
        let dated = try wheels.map { wheel in
            (wheel, try wheel.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate)
        }
        return try #require(
            dated.max { ($0.1 ?? .distantPast) < ($1.1 ?? .distantPast) }?.0, "no qdqc-*.whl in \(folder?.path ?? "")")
    }
}
