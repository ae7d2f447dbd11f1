import ArgumentParser

/// Placeholder until the real command lands.
public struct QdqcCommand: ParsableCommand {
    /// Creates the command.
    public init() {}
}
