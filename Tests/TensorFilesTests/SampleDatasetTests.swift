import Foundation
import OnnxIR
import Testing

@testable import TensorFiles

/// Every sample layout, lazily listed in natural order, with limits and clear errors.
@Suite struct SampleDatasetTests {
    static let fixtureScript = #"""
        import sys, os, numpy as np, onnx
        from onnx import numpy_helper
        out = sys.argv[1]
        def x(i): return np.full((1, 2, 3), i, dtype='<f4')
        def ids(i): return np.arange(4, dtype='<i8').reshape(1, 4) + i
        os.makedirs(f'{out}/npz_folder')
        for i in (1, 2, 10):
            np.savez_compressed(f'{out}/npz_folder/s{i}.npz', x=x(i), ids=ids(i))
        open(f'{out}/npz_folder/notes.txt', 'w').write('ignored')
        np.savez(f'{out}/stacked.npz', x=np.concatenate([x(i) for i in range(5)]),
                 ids=np.concatenate([ids(i) for i in range(5)]))
        np.savez(f'{out}/stacked_mismatch.npz', x=np.zeros((5, 2)), ids=np.zeros((4, 2)))
        for name, i in (('b', 2), ('a', 1)):
            os.makedirs(f'{out}/npy_folders/{name}')
            np.save(f'{out}/npy_folders/{name}/x.npy', x(i))
            np.save(f'{out}/npy_folders/{name}/ids.npy', ids(i))
        os.makedirs(f'{out}/npy_folders/empty_subfolder')
        for s in (0, 1, 2, 10):
            d = f'{out}/onnx_data/test_data_set_{s}'
            os.makedirs(d)
            for k, (name, array) in enumerate((('x', x(s)), ('ids', ids(s)))):
                open(f'{d}/input_{k}.pb', 'wb').write(numpy_helper.from_array(array, name).SerializeToString())
            open(f'{d}/output_0.pb', 'wb').write(numpy_helper.from_array(x(s), 'y').SerializeToString())
        d = f'{out}/unnamed/test_data_set_0'
        os.makedirs(d)
        for k, array in enumerate((x(7), ids(7))):
            open(f'{d}/input_{k}.pb', 'wb').write(numpy_helper.from_array(array).SerializeToString())
        np.savez(f'{out}/single.npz', x=x(3), ids=ids(3))
        np.save(f'{out}/x.npy', x(4))
        np.save(f'{out}/ids.npy', ids(4))
        os.makedirs(f'{out}/empty')
        os.makedirs(f'{out}/unrelated')
        open(f'{out}/unrelated/readme.txt', 'w').write('no samples here')
        """#

    /// A scratch folder with every layout in it.
    static func fixtures() throws -> ScratchFolder {
        let scratch = try ScratchFolder()
        try Python.run(fixtureScript, [scratch.path])
        return scratch
    }

    /// Checks that `sample` holds the fixture values for index `value`.
    static func expectSample(_ sample: Sample, value: Int, _ context: String) throws {
        #expect(Set(sample.inputs.keys) == ["x", "ids"], "\(context)")
        let x = try #require(sample.inputs["x"])
        #expect(x.dims == [1, 2, 3], "\(context)")
        #expect(try x.floatValues() == [Float](repeating: Float(value), count: 6), "\(context)")
        #expect(try sample.inputs["ids"]?.int64Values() == (0..<4).map { $0 + Int64(value) }, "\(context)")
    }

    @Test func folderOfNpzFilesInNaturalOrder() throws {
        let scratch = try Self.fixtures()
        let dataset = try SampleDataset.open(path: scratch.file("npz_folder"))
        #expect(dataset.layout == .npzFolder)
        #expect(dataset.sampleNames == ["s1", "s2", "s10"])
        for (index, value) in [1, 2, 10].enumerated() {
            let sample = try dataset.sample(at: index)
            #expect(sample.source == scratch.file("npz_folder/s\(value).npz"))
            try Self.expectSample(sample, value: value, "s\(value)")
        }
        #expect(try SampleDataset.open(path: scratch.file("npz_folder"), limit: 2).sampleNames == ["s1", "s2"])
        #expect(dataset.limited(to: 1).count == 1)
        #expect(throws: TensorFileError.self) { try dataset.sample(at: 3) }
    }

    @Test func stackedNpzIsSlicedAlongAxisZero() throws {
        let scratch = try Self.fixtures()
        let dataset = try SampleDataset.open(path: scratch.file("stacked.npz"), layout: .stackedNpz)
        #expect(dataset.count == 5)
        #expect(dataset.sampleNames.first == "stacked[0000]")
        for index in [4, 0, 2] { try Self.expectSample(dataset.sample(at: index), value: index, "row \(index)") }
        #expect {
            try SampleDataset.open(path: scratch.file("stacked_mismatch.npz"), layout: .stackedNpz)
        } throws: { error in
            (error as? TensorFileError)?.reason.contains("axis 0") == true
        }
    }

    @Test func folderOfPerSampleNpyFolders() throws {
        let scratch = try Self.fixtures()
        let dataset = try SampleDataset.open(path: scratch.file("npy_folders"))
        #expect(dataset.layout == .npyFolders)
        #expect(dataset.sampleNames == ["a", "b"])
        try Self.expectSample(dataset.sample(at: 0), value: 1, "a")
        try Self.expectSample(dataset.sample(at: 1), value: 2, "b")
    }

    @Test func onnxTestDataNamedByTensorOrByPosition() throws {
        let scratch = try Self.fixtures()
        let dataset = try SampleDataset.open(path: scratch.file("onnx_data"))
        #expect(dataset.layout == .onnxTestData)
        #expect(dataset.sampleNames == ["test_data_set_0", "test_data_set_1", "test_data_set_2", "test_data_set_10"])
        try Self.expectSample(dataset.sample(at: 3), value: 10, "set 10")
        let oneSet = try SampleDataset.open(path: scratch.file("onnx_data/test_data_set_2"))
        #expect(oneSet.sampleNames == ["test_data_set_2"])
        try Self.expectSample(oneSet.sample(at: 0), value: 2, "single set")

        let unnamed = try SampleDataset.open(path: scratch.file("unnamed"))
        #expect {
            try unnamed.sample(at: 0)
        } throws: { error in
            (error as? TensorFileError)?.reason.contains("no name") == true
        }
        let positional = try SampleDataset.open(path: scratch.file("unnamed"), inputNames: ["x", "ids"])
        try Self.expectSample(positional.sample(at: 0), value: 7, "positional")
    }

    @Test func singleSampleFromNpzOrNamedFiles() throws {
        let scratch = try Self.fixtures()
        let single = try SampleDataset.open(path: scratch.file("single.npz"))
        #expect(single.layout == .singleSample)
        #expect(single.sampleNames == ["single"])
        try Self.expectSample(single.sample(at: 0), value: 3, "single.npz")
        let pairs = try SampleDataset.namedFiles(arguments: [
            "x=\(scratch.file("x.npy"))", "ids=\(scratch.file("ids.npy"))",
        ])
        try Self.expectSample(pairs.sample(at: 0), value: 4, "pairs")
        #expect(throws: TensorFileError.self) { try SampleDataset.namedFiles(arguments: ["x.npy"]) }
        #expect(throws: TensorFileError.self) { try SampleDataset.namedFiles(arguments: ["x=a.txt"]) }
        #expect(throws: TensorFileError.self) { try SampleDataset.namedFiles(arguments: []) }
    }

    @Test func foldersWithoutSamplesAreClearErrors() throws {
        let scratch = try Self.fixtures()
        for folder in ["empty", "unrelated"] {
            let path = scratch.file(folder)
            #expect {
                try SampleDataset.open(path: path)
            } throws: { error in
                (error as? TensorFileError)?.description.hasPrefix("\(path): no samples found") == true
            }
        }
        #expect(throws: TensorFileError.self) { try SampleDataset.open(path: scratch.file("nothing-here")) }
        #expect(throws: TensorFileError.self) {
            try SampleDataset.open(path: scratch.file("empty"), layout: .npzFolder)
        }
    }

    @Test func naturalOrderComparesDigitRunsByValue() {
        let names = ["b", "a10", "a2", "a02", "a1", "A3", "10", "9"]
        #expect(NaturalOrder.sorted(names) == ["9", "10", "A3", "a1", "a02", "a2", "a10", "b"])
    }
}
