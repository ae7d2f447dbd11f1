import Foundation
import OnnxIO
import OnnxIR
import OnnxInterpreter
import Testing

/// ONNX's own backend node tests: every case whose operators the interpreter claims must pass.
@Suite struct ConformanceTests {
    /// What happened to one case.
    enum Outcome {
        case passed
        /// Passed, comparing only the elements the spec defines (see `SpecUndefinedElements`).
        case passedDefinedElements(undefined: Int)
        case failed(String)
        case skipped(String)
        case unclaimed
    }

    @Test("Every node test of a claimed operator passes") func nodeTests() throws {
        try #require(TestEnvironment.hasPython, "the test venv (.venv) is missing")
        let root = try NodeTestCases.root()
        let tolerances = try NodeTestCases.tolerances(root: root)
        let claimed = Set(Interpreter.supportedOperators)
        var passed = 0
        var skipped: [(String, String)] = []
        var partial: [(String, Int)] = []
        var failed: [(String, String)] = []
        var unclaimed = 0
        var perOperator: [String: (passed: Int, total: Int)] = [:]
        let cases = try NodeTestCases.cases(root: root)
        #expect(cases.count > 1000, "expected the full set of node cases, found \(cases.count)")
        for name in cases {
            let folder = root + "/node/" + name
            let (rtol, atol) = tolerances[name] ?? (1e-3, 1e-7)
            let (outcome, operators) = Self.run(folder: folder, claimed: claimed, rtol: rtol, atol: atol)
            switch outcome {
            case .passed: passed += 1
            case .passedDefinedElements(let undefined):
                passed += 1
                partial.append((name, undefined))
            case .failed(let reason): failed.append((name, reason))
            case .skipped(let reason): skipped.append((name, reason))
            case .unclaimed: unclaimed += 1
            }
            if case .unclaimed = outcome { continue }
            if case .skipped = outcome { continue }
            for op in operators {
                var entry = perOperator[op] ?? (0, 0)
                entry.total += 1
                switch outcome {
                case .passed, .passedDefinedElements: entry.passed += 1
                default: break
                }
                perOperator[op] = entry
            }
        }
        var report = "node tests: \(cases.count) cases, \(passed) passed, \(failed.count) failed, "
        report += "\(skipped.count) skipped, \(unclaimed) use operators not claimed\n"
        for (op, counts) in perOperator.sorted(by: { $0.key < $1.key }) {
            report += "  \(op): \(counts.passed)/\(counts.total)\n"
        }
        for (name, undefined) in partial {
            report += "  \(name): \(undefined) out-of-range elements not compared (undefined by the Cast spec)\n"
        }
        for (name, reason) in skipped { report += "  skipped \(name): \(reason)\n" }
        for (name, reason) in failed { report += "  FAILED \(name): \(reason)\n" }
        let reportPath = (try? TestEnvironment.cacheDirectory("interpreter-reports")).map { $0 + "/conformance.txt" }
        if let reportPath { try? report.write(toFile: reportPath, atomically: true, encoding: .utf8) }
        print(report)
        for (name, reason) in failed { Issue.record("\(name): \(reason)") }
        #expect(passed > 0)
    }

    /// Runs one case folder; returns the outcome and the operators it uses.
    static func run(folder: String, claimed: Set<String>, rtol: Double, atol: Double) -> (Outcome, [String]) {
        let model: Model
        do {
            model = try ModelReader.read(path: folder + "/model.onnx")
        } catch {
            return (.failed("cannot read the model: \(error)"), [])
        }
        let operators = Array(Set(operatorNames(model.graph))).sorted()
        guard operators.allSatisfy(claimed.contains) else { return (.unclaimed, operators) }
        let dataFolder = folder + "/test_data_set_0"
        var inputs: [String: NDArray] = [:]
        var expected: [NDArray] = []
        do {
            for (index, value) in model.graph.inputs.enumerated() where value.initializer == nil {
                if case .tensor = value.type?.kind ?? .none {
                } else {
                    return (.skipped("input '\(value.name)' is not a tensor"), operators)
                }
                inputs[value.name] = try NDArray(tensor: TensorProtoFile.read(path: dataFolder + "/input_\(index).pb"))
            }
            for (index, value) in model.graph.outputs.enumerated() {
                if case .tensor = value.type?.kind ?? .none {
                } else {
                    return (.skipped("output '\(value.name)' is not a tensor"), operators)
                }
                expected.append(try NDArray(tensor: TensorProtoFile.read(path: dataFolder + "/output_\(index).pb")))
            }
        } catch let error as InterpreterError {
            return (.skipped("test data: \(error)"), operators)
        } catch {
            return (.skipped("test data cannot be read: \(error)"), operators)
        }
        do {
            let interpreter = try Interpreter(model: model, name: folder)
            let outputs = try interpreter.run(inputs)
            if let defined = try SpecUndefinedElements.definedMask(model: model, inputs: inputs) {
                let value = model.graph.outputs[0]
                guard let actual = outputs[value.name] else { return (.failed("no output '\(value.name)'"), operators) }
                if let problem = try SpecUndefinedElements.mismatch(actual, expected[0], defined: defined) {
                    return (.failed("output '\(value.name)': \(problem)"), operators)
                }
                return (.passedDefinedElements(undefined: defined.filter { !$0 }.count), operators)
            }
            for (index, value) in model.graph.outputs.enumerated() {
                guard let actual = outputs[value.name] else { return (.failed("no output '\(value.name)'"), operators) }
                if let problem = try Closeness.mismatch(actual, expected[index], rtol: rtol, atol: atol) {
                    return (.failed("output '\(value.name)': \(problem)"), operators)
                }
            }
            return (.passed, operators)
        } catch let error as InterpreterError {
            switch error {
            case .unsupportedDataType, .unsupportedTensor, .unsupportedOperator, .unsupportedFeature:
                return (.skipped("\(error)"), operators)
            default:
                return (.failed("\(error)"), operators)
            }
        } catch {
            return (.failed("\(error)"), operators)
        }
    }

    /// `domain:OpType` of every node, nested graphs included.
    static func operatorNames(_ graph: Graph) -> [String] {
        graph.allNodes().map { node in
            let domain = OpsetImport.isDefaultDomain(node.domain) ? "ai.onnx" : node.domain
            return "\(domain):\(node.opType)"
        }
    }
}
