/// Reads pipeline text character by character, tracking line and column for errors.
struct PipelineParser {
    private let characters: [Character]
    private var index = 0
    private var line = 1
    private var column = 1

    init(_ text: String) {
        self.characters = Array(text)
    }

    mutating func parse() throws -> [PipelineElement] {
        var elements: [PipelineElement] = []
        skipBlanks()
        if isAtEnd { return elements }
        while true {
            elements.append(try parseElement())
            skipBlanks()
            if isAtEnd { return elements }
            guard current == "," else { throw error("expected ',' between passes, found \(found)") }
            advance()
            skipBlanks()
            if isAtEnd { throw error("expected a pass name after ','") }
        }
    }

    private mutating func parseElement() throws -> PipelineElement {
        let location = here
        let name = readIdentifier()
        if name.isEmpty { throw error("expected a pass name, found \(found)") }
        skipBlanks()
        guard current == "{" else { return PipelineElement(passArgument: name, location: location) }
        advance()
        var options: [PipelineOption] = []
        skipBlanks()
        if current == "}" { throw error("expected an option name; leave out '{}' for a pass without options") }
        while true {
            let option = try parseOption()
            if options.contains(where: { $0.key == option.key }) {
                throw PipelineError(location: option.location, message: "option '\(option.key)' is given twice")
            }
            options.append(option)
            skipBlanks()
            if current == "}" {
                advance()
                return PipelineElement(passArgument: name, options: options, location: location)
            }
            guard current == "," else {
                if isAtEnd { throw error("expected '}' to close the options of '\(name)'") }
                throw error("expected ',' or '}' after an option, found \(found)")
            }
            advance()
            skipBlanks()
        }
    }

    private mutating func parseOption() throws -> PipelineOption {
        let location = here
        let key = readIdentifier()
        if key.isEmpty { throw error("expected an option name, found \(found)") }
        skipBlanks()
        guard current == "=" else { throw error("expected '=' after option name '\(key)'") }
        advance()
        skipBlanks()
        let value = try readValue()
        return PipelineOption(key: key, value: value, location: location)
    }

    private mutating func readValue() throws -> String {
        if current == "\"" { return try readQuoted() }
        var value = ""
        while let character = current, PipelineElement.isBareValueCharacter(character) {
            value.append(character)
            advance()
        }
        if value.isEmpty { throw error("expected a value (write \"\" for an empty one)") }
        return value
    }

    private mutating func readQuoted() throws -> String {
        let start = here
        advance()
        var value = ""
        while let character = current {
            advance()
            if character == "\"" { return value }
            if character == "\\" {
                guard let escaped = current, escaped == "\"" || escaped == "\\" else {
                    throw error("only \\\" and \\\\ may follow '\\' in a quoted value")
                }
                advance()
                value.append(escaped)
            } else if character.isNewline {
                break
            } else {
                value.append(character)
            }
        }
        throw PipelineError(location: start, message: "unterminated quoted value")
    }

    private mutating func readIdentifier() -> String {
        var identifier = ""
        while let character = current, character.isASCII,
            character.isLetter || character.isNumber || character == "-" || character == "_" || character == "."
        {
            identifier.append(character)
            advance()
        }
        return identifier
    }

    private mutating func skipBlanks() {
        while let character = current {
            if character == "#" {
                while let next = current, !next.isNewline { advance() }
            } else if character.isWhitespace {
                advance()
            } else {
                return
            }
        }
    }

    /// The current character quoted, for messages.
    private var found: String { current.map { "'\($0)'" } ?? "the end of the text" }

    private var isAtEnd: Bool { index >= characters.count }

    private var current: Character? { index < characters.count ? characters[index] : nil }

    private var here: SourceLocation { SourceLocation(line: line, column: column) }

    private mutating func advance() {
        guard index < characters.count else { return }
        if characters[index].isNewline {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    private func error(_ message: String) -> PipelineError {
        PipelineError(location: here, message: message)
    }
}
