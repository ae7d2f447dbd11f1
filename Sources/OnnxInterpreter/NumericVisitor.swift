/// Generic work to run for whichever numeric Swift type stores an array's elements.
protocol NumericVisitor {
    /// What the work produces.
    associatedtype Output
    /// Runs the work for element type `T`.
    func visit<T: NumericElement>(_ type: T.Type) throws -> Output
}
