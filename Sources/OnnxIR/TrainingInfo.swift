/// Training information: an initialization graph and an update step with their bindings.
public struct TrainingInfo {
    /// Computes initial values.
    public var initialization: Graph?
    /// One training step.
    public var algorithm: Graph?
    /// Which initializer each initialization output assigns.
    public var initializationBinding: [KeyValue]
    /// Which initializer each algorithm output updates.
    public var updateBinding: [KeyValue]

    /// Creates training information.
    public init(
        initialization: Graph?, algorithm: Graph?, initializationBinding: [KeyValue], updateBinding: [KeyValue]
    ) {
        self.initialization = initialization
        self.algorithm = algorithm
        self.initializationBinding = initializationBinding
        self.updateBinding = updateBinding
    }
}
