import Testing

@Suite struct QdqcCLITestsPlaceholder {
    @Test func moduleBuilds() { #expect(Bool(true)) }
}
