import Foundation
import OnnxIR
import TestSupport
import Testing

@testable import TensorFiles

/// Seeded mutants of `.npy` and `.npz` files: the readers either give tensors whose bytes fit their shapes
/// or throw; they never trap, hang or allocate what the file cannot hold.
@Suite struct TensorFileFuzzTests {
    private static func npySeeds() throws -> [[UInt8]] {
        [
            Array(try NpyFile.encode(try Tensor(floats: [1, 2, 3, 4, 5, 6], dims: [2, 3]))),
            Array(try NpyFile.encode(Tensor.int64s([7, -8, 9], dims: [3]))),
            Array(
                try NpyFile.encode(
                    Tensor(name: nil, dataType: .uint8, dims: [2, 2], storage: .raw(Data([1, 2, 3, 4]))))),
        ]
    }

    @Test func npyMutantsAreReadOrRefused() throws {
        let seeds = try Self.npySeeds()
        var mutator = SeededMutator(seed: 9)
        var read = 0
        for _ in 0..<SeededMutator.caseCount(default: 3000) {
            let mutant = mutator.mutate(seeds[mutator.below(seeds.count)], others: seeds)
            guard let tensor = try? NpyFile.decode(Data(mutant), path: "mutant.npy") else { continue }
            read += 1
            let count = try #require(ElementCount.of(tensor.dims))
            #expect(try tensor.rawBytes().count == ElementCount.bytes(elements: count, of: tensor.dataType))
        }
        #expect(read > 0)
    }

    @Test(arguments: [NpzCompression.stored, .deflated])
    func npzMutantsAreReadOrRefused(compression: NpzCompression) throws {
        let folder = try TemporaryDirectory(prefix: "npz-fuzz")
        defer { folder.remove() }
        let seedPath = folder.path("seed.npz")
        try NpzWriter.write(
            ["x": try Tensor(floats: [1, 2, 3, 4], dims: [1, 4]), "n": Tensor.int64s([1, 2], dims: [2])],
            to: seedPath, compression: compression)
        let seed = Array(try Data(contentsOf: URL(fileURLWithPath: seedPath)))
        var mutator = SeededMutator(seed: compression == .stored ? 10 : 11)
        let path = folder.path("mutant.npz")
        for _ in 0..<SeededMutator.caseCount(default: 400) {
            try Data(mutator.mutate(seed)).write(to: URL(fileURLWithPath: path))
            guard let arrays = try? NpzReader(path: path).readAll() else { continue }
            for tensor in arrays.values {
                let count = try #require(ElementCount.of(tensor.dims))
                #expect(try tensor.rawBytes().count == ElementCount.bytes(elements: count, of: tensor.dataType))
            }
        }
    }
}
