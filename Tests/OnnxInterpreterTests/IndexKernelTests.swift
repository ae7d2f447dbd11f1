import OnnxIR
import OnnxInterpreter
import Testing

@Suite struct IndexKernelTests {
    @Test func gatherWithNegativeIndicesAndAxis() throws {
        let data = try Arrays.f([1, 2, 3, 4, 5, 6], [3, 2])
        let rows = try SingleNode.run1("Gather", [data, Arrays.i64([2, -3], [2])])
        #expect(rows.shape == [2, 2])
        #expect(try rows.floatValues() == [5, 6, 1, 2])
        let columns = try SingleNode.run1("Gather", [data, Arrays.i32([1], [1, 1])], attributes: [.int("axis", 1)])
        #expect(columns.shape == [3, 1, 1])
        #expect(try columns.floatValues() == [2, 4, 6])
        let scalar = try SingleNode.run1("Gather", [data, Arrays.i64([1], [])])
        #expect(scalar.shape == [2])
    }

    @Test func outOfRangeGatherIndexIsAnErrorNamingTensorAndNode() throws {
        let data = try Arrays.f([1, 2, 3], [3])
        #expect {
            try SingleNode.run1("Gather", [data, Arrays.i64([0, 3], [2])])
        } throws: { error in
            let text = "\(error)"
            return text.contains("node_Gather") && text.contains("'x1'") && text.contains("index 3")
        }
    }

    @Test func floatIndicesAreRefused() throws {
        #expect {
            try SingleNode.run1("Gather", [Arrays.f([1, 2], [2]), Arrays.f([.nan], [1])])
        } throws: { error in "\(error)".contains("'x1'") && "\(error)".contains("int64 or int32") }
    }

    @Test func gatherElementsAndScatter() throws {
        let data = try Arrays.f([1, 2, 3, 4], [2, 2])
        let gathered = try SingleNode.run1(
            "GatherElements", [data, Arrays.i64([0, 0, 1, 0], [2, 2])], attributes: [.int("axis", 1)])
        #expect(try gathered.floatValues() == [1, 1, 4, 3])
        let scattered = try SingleNode.run1(
            "ScatterElements", [data, Arrays.i64([1, 0], [1, 2]), Arrays.f([10, 20], [1, 2])],
            attributes: [.int("axis", 0), .string("reduction", "add")])
        #expect(try scattered.floatValues() == [1, 22, 13, 4])
        let nd = try SingleNode.run1("ScatterND", [data, Arrays.i64([1, 0], [1, 2]), Arrays.f([9], [1])])
        #expect(try nd.floatValues() == [1, 2, 9, 4])
        let gatheredND = try SingleNode.run1("GatherND", [data, Arrays.i64([1, 1, 0, 1], [2, 2])])
        #expect(try gatheredND.floatValues() == [4, 2])
    }

    @Test func topKBreaksTiesByLowerIndex() throws {
        let x = try Arrays.f([3, 1, 3, 2, 5], [5])
        let outputs = try SingleNode.run("TopK", [x, Arrays.i64([3], [1])], outputs: 2)
        #expect(try outputs[0].floatValues() == [5, 3, 3])
        #expect(try outputs[1].int64Values() == [4, 0, 2])
        let smallest = try SingleNode.run(
            "TopK", [x, Arrays.i64([2], [1])], attributes: [.int("largest", 0)], outputs: 2)
        #expect(try smallest[1].int64Values() == [1, 3])
    }

    @Test func argMaxArgMinCumSum() throws {
        let x = try Arrays.f([1, 5, 5, 0, 2, 2], [2, 3])
        #expect(try SingleNode.run1("ArgMax", [x], attributes: [.int("axis", 1)]).int64Values() == [1, 1])
        let last = try SingleNode.run1(
            "ArgMax", [x], attributes: [.int("axis", 1), .int("select_last_index", 1), .int("keepdims", 0)])
        #expect(last.shape == [2])
        #expect(try last.int64Values() == [2, 2])
        #expect(try SingleNode.run1("ArgMin", [x], attributes: [.int("axis", 0)]).int64Values() == [1, 1, 1])
        let sums = try SingleNode.run1("CumSum", [Arrays.f([1, 2, 3], [3]), Arrays.i32([0], [])])
        #expect(try sums.floatValues() == [1, 3, 6])
        let reverseExclusive = try SingleNode.run1(
            "CumSum", [Arrays.f([1, 2, 3], [3]), Arrays.i64([0], [])],
            attributes: [.int("exclusive", 1), .int("reverse", 1)])
        #expect(try reverseExclusive.floatValues() == [5, 3, 0])
    }

    @Test func einsumMatrixProductTraceAndTranspose() throws {
        let a = try Arrays.f([1, 2, 3, 4], [2, 2])
        let b = try Arrays.f([5, 6, 7, 8], [2, 2])
        let product = try SingleNode.run1("Einsum", [a, b], attributes: [.string("equation", "ij,jk->ik")])
        #expect(try product.floatValues() == [19, 22, 43, 50])
        let trace = try SingleNode.run1("Einsum", [a], attributes: [.string("equation", "ii")])
        #expect(try trace.floatValues() == [5])
        let transposed = try SingleNode.run1("Einsum", [a], attributes: [.string("equation", "ij->ji")])
        #expect(try transposed.floatValues() == [1, 3, 2, 4])
        let batched = try SingleNode.run1(
            "Einsum", [a.reshapedForTest([1, 2, 2]), b.reshapedForTest([1, 2, 2])],
            attributes: [.string("equation", "...ij,...jk")])
        #expect(try batched.floatValues() == [19, 22, 43, 50])
    }

    @Test func nonZeroCompressOneHot() throws {
        let nonZero = try SingleNode.run1("NonZero", [Arrays.f([0, 1, 2, 0], [2, 2])])
        #expect(nonZero.shape == [2, 2])
        #expect(try nonZero.int64Values() == [0, 1, 1, 0])
        let compressed = try SingleNode.run1(
            "Compress", [Arrays.f([1, 2, 3, 4], [2, 2]), Arrays.bool([false, true], [2])], attributes: [.int("axis", 0)]
        )
        #expect(try compressed.floatValues() == [3, 4])
        let hot = try SingleNode.run1(
            "OneHot", [Arrays.i64([0, 2], [2]), Arrays.i64([3], []), Arrays.f([0, 1], [2])])
        #expect(hot.shape == [2, 3])
        #expect(try hot.floatValues() == [1, 0, 0, 0, 0, 1])
    }
}
