import Foundation

/// ONNX's backend node test cases, generated once by the venv's onnx into a cache folder.
enum NodeTestCases {
    /// The onnx release the cases come from (pinned in Tests/requirements.in and Tests/requirements.lock).
    static let onnxVersion = "1.23.2"

    /// Generates every node case with `generate_data`, plus each case's own tolerances.
    static let generatorScript = """
        import argparse, json, os, sys, types
        import onnx
        import onnx.backend.test.cmd_tools as tools
        from onnx.backend.test.case.node import collect_testcases
        expected, out = sys.argv[1], sys.argv[2]
        if onnx.__version__ != expected:
            sys.exit(f"the venv has onnx {onnx.__version__}, the tests pin {expected}")
        cases = collect_testcases()
        tools.model_test = types.SimpleNamespace(collect_testcases=lambda: cases)
        tools.generate_data(argparse.Namespace(output=out))
        tolerances = {case.name: [case.rtol, case.atol] for case in cases}
        with open(os.path.join(out, "tolerances.json"), "w") as f:
            json.dump(tolerances, f, sort_keys=True)
        """

    /// The folder holding `node/<case>/`, generated on first use and keyed by the lock's hash.
    static func root() throws -> String {
        let path = try TestEnvironment.lockedCacheDirectory("onnx-node-tests-\(onnxVersion)")
        let marker = path + "/tolerances.json"
        if !FileManager.default.fileExists(atPath: marker) {
            try TestEnvironment.runPython(generatorScript, arguments: [onnxVersion, path])
        }
        return path
    }

    /// Each case's (rtol, atol) as the case declares them.
    static func tolerances(root: String) throws -> [String: (Double, Double)] {
        let data = try Data(contentsOf: URL(fileURLWithPath: root + "/tolerances.json"))
        let decoded = try JSONDecoder().decode([String: [Double]].self, from: data)
        return decoded.compactMapValues { $0.count == 2 ? ($0[0], $0[1]) : nil }
    }

    /// The case folders, sorted by name.
    static func cases(root: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root + "/node").sorted()
    }
}
