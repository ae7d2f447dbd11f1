import Foundation
import OnnxIO
import OnnxIR
import TestSupport
import Testing

/// Seeded mutants of ONNX protobuf files: the reader, the verifier and the writer either succeed or throw;
/// they never trap, hang or allocate what the bytes do not hold (a crash fails the whole test run).
@Suite struct ProtobufFuzzTests {
    /// Seeds: the model that sets every field, and a small graph with typed initializers.
    private static func seeds() throws -> [[UInt8]] {
        let synthetic = try ModelWriter.serialize(try SyntheticModel.make())
        let builder = GraphBuilder(name: "g")
        builder.addInput(name: "x", type: .tensor(.float, Shape(static: [2, 3])))
        builder.addInitializer(Tensor.floats([1, 2, 3, 4, 5, 6], dims: [3, 2], name: "w"))
        builder.addInitializer(Tensor.int64s([3, 2], dims: [2], name: "shape"))
        try builder.addNode(
            opType: "MatMul", domain: nil, name: "mm", inputNames: ["x", "w"], outputNames: ["m"], attributes: [])
        try builder.addNode(
            opType: "Reshape", domain: nil, name: "r", inputNames: ["m", "shape"], outputNames: ["y"], attributes: [])
        builder.addOutput(name: "y", type: .tensor(.float, nil))
        let small = Model(
            graph: try builder.finish(), irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 17)])
        return [Array(synthetic), Array(try ModelWriter.serialize(small))]
    }

    @Test func mutantsAreReadOrRefusedNeverCrash() throws {
        let seeds = try Self.seeds()
        var mutator = SeededMutator(seed: 16)
        var read = 0
        for _ in 0..<SeededMutator.caseCount(default: 3000) {
            let mutant = mutator.mutate(seeds[mutator.below(seeds.count)], others: seeds)
            guard let model = try? ModelReader.read(data: Data(mutant), path: "mutant.onnx", baseDirectory: nil)
            else { continue }
            guard (try? Verifier().verify(model)) != nil else { continue }
            read += 1
            // What was accepted must also write back and read again.
            let written = try ModelWriter.serialize(model)
            _ = try ModelReader.read(data: written, path: "rewritten.onnx", baseDirectory: nil)
        }
        // Some mutants (in doc strings, names, weights) stay valid: the test reaches the writer.
        #expect(read > 0)
    }
}

/// qdqc writes only models it can read back.
@Suite struct NestingLimitTests {
    /// A model whose main graph holds `depth` If nodes nested in each other's then-branch.
    private static func nestedIfs(_ depth: Int) throws -> Model {
        func level(_ remaining: Int, outer: GraphBuilder?) throws -> GraphBuilder {
            let builder = GraphBuilder(name: "g\(remaining)", outer: outer)
            if outer == nil { builder.addInput(name: "c", type: .tensor(.bool, Shape(static: []))) }
            if remaining == 0 {
                try builder.addNode(
                    opType: "Not", domain: nil, name: "leaf", inputNames: ["c"], outputNames: ["o0"], attributes: [])
                builder.addOutput(name: "o0", type: .tensor(.bool, Shape(static: [])))
                return builder
            }
            let inner = try level(remaining - 1, outer: builder)
            let otherwise = GraphBuilder(name: "e\(remaining)", outer: builder)
            otherwise.addOutput(name: "c", type: nil)
            try builder.addNode(
                opType: "If", domain: nil, name: "if\(remaining)", inputNames: ["c"], outputNames: ["o\(remaining)"],
                attributes: [
                    Attribute("then_branch", .graph(try inner.finish())),
                    Attribute("else_branch", .graph(try otherwise.finish())),
                ])
            builder.addOutput(name: "o\(remaining)", type: nil)
            return builder
        }
        let main = try level(depth, outer: nil)
        return Model(graph: try main.finish(), irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 17)])
    }

    @Test func aModelTooDeepToReadBackIsNotWritten() throws {
        let shallow = try ModelWriter.serialize(try Self.nestedIfs(20))
        _ = try ModelReader.read(data: shallow, path: "shallow.onnx", baseDirectory: nil)
        // 50 nested Ifs: qdqc used to write this and then refuse to read it.
        let error = #expect(throws: OnnxIOError.self) { try ModelWriter.serialize(try Self.nestedIfs(50)) }
        #expect(
            error?.description.contains("nest more than 100 protobuf levels") == true, "\(String(describing: error))")
    }
}
