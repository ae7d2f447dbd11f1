import Foundation
import Passes
import Testing

/// The registry's list, the `passes/` folders, the docs and the recipes must agree.
@Suite struct RegistryTests {
    let registry = PassRegistry()

    @Test func argumentsAreUniqueKebabCase() {
        #expect(Set(registry.arguments).count == registry.arguments.count)
        for argument in registry.arguments {
            #expect(argument.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }, "\(argument)")
            #expect(!argument.hasPrefix("-") && !argument.hasSuffix("-"), "\(argument)")
        }
    }

    @Test func everyPassHasAFolderAndEveryFolderAPass() {
        let folders = Repository.folders(in: Repository.passesDirectory).map(\.lastPathComponent)
            .filter { $0 != "pipelines" }
        #expect(folders.sorted() == registry.arguments.sorted())
    }

    /// `Sources/Passes` is laid out like `passes/`: one source folder per pass, named as its argument.
    @Test func everyPassHasASourceFolderNamedAsItsArgument() {
        let folders = Repository.folders(in: Repository.passSourcesDirectory).map(\.lastPathComponent)
            .filter { !["Infrastructure", "Shared"].contains($0) }
        #expect(folders.sorted() == registry.arguments.sorted())
        let entries = try? FileManager.default.contentsOfDirectory(atPath: Repository.passSourcesDirectory.path)
        let loose = entries?.filter { $0.hasSuffix(".swift") } ?? []
        #expect(loose.isEmpty, "files outside Infrastructure/, Shared/ and the pass folders: \(loose)")
    }

    @Test func everyReadmeStatesTheSummaryAndTheOptions() throws {
        for type in registry.passTypes {
            let readme = try Repository.read(
                Repository.passesDirectory.appendingPathComponent("\(type.argument)/README.md"))
            #expect(readme.hasPrefix("# \(type.argument)\n"), "README of \(type.argument) must start with its name")
            #expect(readme.contains(type.summary), "README of \(type.argument) must give the summary")
            for section in ["## Options", "## Changed", "## Statistics"] {
                #expect(readme.contains(section), "README of \(type.argument) lacks '\(section)'")
            }
            for option in type.options {
                #expect(readme.contains("`\(option.name)="), "README of \(type.argument) lacks option \(option.name)")
            }
        }
    }

    /// Each pass states whether it enters If/Loop/Scan bodies, and docs/passes.md shows it under the pass.
    @Test func everyPassStatesWhetherItEntersSubgraphs() throws {
        let doc = try Repository.read(Repository.passesDoc)
        var entering: [String] = []
        for type in registry.passTypes {
            let argument = type.argument
            let reach = type.subgraphReach
            #expect(
                doc.contains("## \(argument)\n\n\(reach.sentence)\n"),
                "docs/passes.md does not say whether \(argument) enters subgraphs")
            if reach == .entersSubgraphs { entering.append(argument) }
        }
        for argument in ["calibrate", "insert-qdq", "cleanup-qdq"] { #expect(entering.contains(argument)) }
    }

    @Test func docsHaveOneSectionPerPassInRegistryOrder() throws {
        let doc = try Repository.read(Repository.passesDoc)
        let sections = doc.split(separator: "\n").filter { $0.hasPrefix("## ") }.map { String($0.dropFirst(3)) }
            .filter { $0 != "Pipeline recipes" }
        #expect(sections == registry.arguments)
    }

    @Test func docsAreGeneratedFromTheReadmes() throws {
        let generated = try PassesDocGenerator(registry: registry).generate()
        if Repository.isRecording {
            try generated.write(to: Repository.passesDoc, atomically: true, encoding: .utf8)
            Issue.record("recorded \(Repository.passesDoc.path); rerun without RECORD_SNAPSHOTS=1")
            return
        }
        let current = try? Repository.read(Repository.passesDoc)
        #expect(current == generated, "docs/passes.md is stale; regenerate with RECORD_SNAPSHOTS=1")
    }

    @Test func defaultPipelineConstantMatchesTheRecipeFile() throws {
        let file = try Repository.read(Repository.pipelinesDirectory.appendingPathComponent("default.pipeline"))
        #expect(try Pipeline.parse(file).description == DefaultPipeline.text)
        #expect(try Pipeline.parse(DefaultPipeline.text).description == DefaultPipeline.text)
    }

    @Test func weightOnlyPipelineConstantMatchesTheRecipeFile() throws {
        let file = try Repository.read(Repository.pipelinesDirectory.appendingPathComponent("weight-only.pipeline"))
        #expect(try Pipeline.parse(file).description == DefaultPipeline.weightOnlyText)
        #expect(try Pipeline.parse(DefaultPipeline.weightOnlyText).description == DefaultPipeline.weightOnlyText)
        let dynamic = try Repository.read(Repository.pipelinesDirectory.appendingPathComponent("dynamic.pipeline"))
        #expect(try Pipeline.parse(dynamic).description == DefaultPipeline.dynamicText)
    }

    @Test func cleanupRecipeIsDeadCodeThenSort() throws {
        let file = try Repository.read(Repository.pipelinesDirectory.appendingPathComponent("cleanup.pipeline"))
        #expect(try Pipeline.parse(file).description == "eliminate-dead-code,topological-sort")
    }

    @Test func everyRecipeNamesKnownPassesWithValidOptions() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Repository.pipelinesDirectory.path)
        let recipes = names.filter { $0.hasSuffix(".pipeline") }
        #expect(recipes.contains("default.pipeline"))
        for recipe in recipes {
            let text = try Repository.read(Repository.pipelinesDirectory.appendingPathComponent(recipe))
            #expect(throws: Never.self, "\(recipe)") { try registry.makePasses(try Pipeline.parse(text)) }
        }
    }

    @Test func unknownPassIsReportedWithItsColumnAndASuggestion() {
        do {
            _ = try registry.makePasses(try Pipeline.parse("eliminate-dead-code,topologcal-sort"))
            Issue.record("unknown pass accepted")
        } catch let error as PipelineError {
            #expect(error.location?.column == 21)
            #expect(error.message.contains("unknown pass 'topologcal-sort'"))
            #expect(error.message.contains("did you mean 'topological-sort'"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func unknownOptionIsReportedWithTheKeyColumn() {
        do {
            _ = try registry.makePasses(try Pipeline.parse("topological-sort{depth=2}"))
            Issue.record("unknown option accepted")
        } catch let error as PipelineError {
            #expect(error.location?.column == 18)
            #expect(error.message == "pass 'topological-sort' has no option 'depth' (it takes no options)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func badOptionValueNamesPassOptionAndValue() {
        #expect(throws: PipelineError.self) {
            try registry.makePasses(try Pipeline.parse("eliminate-dead-code{initializers=maybe}"))
        }
        do {
            _ = try EliminateDeadCodePass(options: ["initializers": "maybe"])
        } catch {
            #expect(
                "\(error)" == "pass 'eliminate-dead-code': option 'initializers' is 'maybe', expected true or false")
        }
    }
}
