import OnnxIR
import Testing

@Suite struct ElementCountTests {
    @Test func countsAndRefusesNegativeOrOverflowingShapes() {
        #expect(ElementCount.of([]) == 1)
        #expect(ElementCount.of([2, 3, 4]) == 24)
        #expect(ElementCount.of([2, 0, Int64.max]) == 0)
        #expect(ElementCount.of([-1, 3]) == nil)
        #expect(ElementCount.of([Int64(1) << 32, Int64(1) << 32]) == nil)
    }

    @Test func bytesRoundSubByteTypesUpAndRefuseOverflow() {
        #expect(ElementCount.bytes([3], bits: 4) == 2)
        #expect(ElementCount.bytes(elements: 5, of: .float) == 20)
        #expect(ElementCount.bytes(elements: 3, of: .int4) == 2)
        #expect(ElementCount.bytes(elements: 1, of: .string) == nil)
        #expect(ElementCount.bytes(elements: Int.max, bits: 1) == nil)
        #expect(ElementCount.bytes([Int64(1) << 62], bits: 8) == nil)
    }
}
