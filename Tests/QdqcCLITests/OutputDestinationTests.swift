import Testing

@testable import QdqcCLI

@Suite struct OutputDestinationTests {
    @Test(arguments: [
        ("x", "."), ("out.npz", "."), ("a/x", "a"), ("a/b/", "a"), ("/x", "/"), ("/", "/"), ("a//b", "a/"),
    ])
    func folderOfAPath(path: String, folder: String) {
        #expect(OutputDestination.folder(of: path) == folder)
    }

    @Test func aOneCharacterNameInAMissingFolderIsAnErrorNotACrash() {
        #expect(throws: CLIError.self) { try OutputDestination.checkFolder(of: "no-such-folder-qdqc/x") }
        #expect(throws: Never.self) { try OutputDestination.checkFolder(of: "x") }
    }
}
