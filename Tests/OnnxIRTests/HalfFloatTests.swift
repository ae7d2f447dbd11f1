import OnnxIR
import Testing

@Suite struct HalfFloatTests {
    @Test func halfConversionsRoundToNearestEven() {
        #expect(HalfFloat.float(fromHalf: 0x3C00) == 1)
        #expect(HalfFloat.float(fromHalf: 0x0001) == 0x1p-24)
        #expect(HalfFloat.float(fromHalf: 0xFC00) == -.infinity)
        #expect(HalfFloat.float(fromHalf: 0x7E00).isNaN)
        #expect(HalfFloat.half(from: 65504) == 0x7BFF)
        #expect(HalfFloat.half(from: 65520) == 0x7C00)
        // 1 + 2^-11 lies halfway between 1 and the next half; the tie goes to the even 1.
        #expect(HalfFloat.half(from: 1 + 0x1p-11) == 0x3C00)
        #expect(HalfFloat.half(from: 0x1p-25) == 0)
        #expect(HalfFloat.half(from: .nan) & 0x7E00 == 0x7E00)
    }

    @Test func bfloat16ConversionsRoundToNearestEven() {
        #expect(HalfFloat.float(fromBFloat16: 0x3F80) == 1)
        #expect(HalfFloat.bfloat16(from: 1 + 0x1p-8) == 0x3F80)
        #expect(HalfFloat.bfloat16(from: 1 + 0x1p-8 + 0x1p-9) == 0x3F81)
        #expect(HalfFloat.float(fromBFloat16: HalfFloat.bfloat16(from: .nan)).isNaN)
    }
}
