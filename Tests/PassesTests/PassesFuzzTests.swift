import Foundation
import OnnxIR
import OnnxText
import Passes
import TestSupport
import Testing

/// Seeded mutants of pipeline text and of models for the preparation passes: an error or a result, never a
/// trap, a hang or an allocation sized from a declared number.
@Suite struct PassesFuzzTests {
    private static let pipelines = [
        "infer-shapes,fold-constants,fold-batchnorm,eliminate-identity,fuse-layernorm,eliminate-dead-code",
        "eliminate-dead-code{initializers=false}, topological-sort # a comment\n,upgrade-opset{to=21}",
        "calibrate{method=entropy,bins=2048,variant=tensorrt},insert-qdq{target=ort,exclude-nodes=\"a{1,2}\\\\\"\"}",
        "smooth-quant{alpha=0.5},cleanup-qdq{target=tensorrt}",
    ]

    @Test func pipelineMutantsParseOrFailNeverCrash() throws {
        var mutator = SeededMutator(seed: 64)
        var parsed = 0
        for _ in 0..<SeededMutator.caseCount(default: 3000) {
            let seed = Self.pipelines[mutator.below(Self.pipelines.count)]
            let text =
                mutator.below(2) == 0
                ? mutator.mutateText(seed) : String(decoding: mutator.mutate(Array(seed.utf8)), as: UTF8.self)
            guard let pipeline = try? Pipeline.parse(text) else { continue }
            parsed += 1
            // What parses prints back to text that parses to the same pipeline.
            #expect(try Pipeline.parse(pipeline.description) == pipeline, "\(text)")
            _ = try? PassRegistry().makePasses(pipeline)
        }
        #expect(parsed > 0)
    }

    private static let models = [
        """
        <ir_version: 8, opset_import: ["" : 17]>
        g (float[N,3,8,8] x, int64[4] s) => (y, z, w)
           <float[4,3,3,3] k = {0.5, -1, 2, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
            0.5, -1, 2, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
            0.5, -1, 2, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
            0.5, -1, 2, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
            int64[2] sp = {2, 2}, int64[1] one = {1}, int64[2] shape2 = {2, 8}>
        {
           c = Conv <pads = [1, 1, 1, 1], strides = [1, 1], group = 1> (x, k)
           p = MaxPool <kernel_shape = [2, 2], strides = [2, 2]> (c)
           y = Reshape (p, s)
           a, b = Split <axis = 1> (p, sp)
           e = Expand (one, shape2)
           z = ConstantOfShape <value = float[1] {0}> (shape2)
           t = Tile (e, shape2)
           w = Concat <axis = 0> (a, b, a)
        }
        """,
        """
        <ir_version: 8, opset_import: ["" : 17]>
        g (float[2,16] x) => (y)
           <int64[1] starts = {0}, int64[1] ends = {9223372036854775807}, int64[1] axes = {1}, int64[1] steps = {2}>
        {
           s = Shape (x)
           g = Gather <axis = 0> (s, starts)
           l = Slice (x, starts, ends, axes, steps)
           r = Range (starts, ends, steps)
           y = Pad (l, steps)
        }
        """,
    ]

    @Test func modelMutantsThroughThePreparationPassesNeverCrash() throws {
        var mutator = SeededMutator(seed: 1606)
        let pipeline = try Pipeline.parse("infer-shapes,eliminate-identity,eliminate-dead-code,topological-sort")
        var prepared = 0
        for _ in 0..<SeededMutator.caseCount(default: 1500) {
            let seed = Self.models[mutator.below(Self.models.count)]
            let text =
                mutator.below(3) == 0
                ? String(decoding: mutator.mutate(Array(seed.utf8)), as: UTF8.self) : mutator.mutateText(seed)
            guard let model = try? TextParser.parseModel(text), (try? Verifier().verify(model)) != nil else { continue }
            let manager = try PassManager(pipeline: pipeline, options: PassManagerOptions(diagnostics: .discard))
            if (try? manager.run(on: model, context: PassContext())) != nil { prepared += 1 }
        }
        #expect(prepared > 0)
    }
}
