import Testing

@Suite struct PassesTestsPlaceholder {
    @Test func moduleBuilds() { #expect(Bool(true)) }
}
