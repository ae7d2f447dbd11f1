import Testing

@Suite struct EcosystemTestsPlaceholder {
    @Test func moduleBuilds() { #expect(Bool(true)) }
}
