extension Pipeline {
    /// Sets `key=value` on every element that runs `passArgument`, keeping options written in the pipeline.
    ///
    /// This is how command-line flags (`--target ort`, `--calib-method entropy`) reach the passes of a
    /// recipe: a flag fills in an option the recipe left open, and an option written explicitly in
    /// `--passes` text wins over the flag unless `overriding` is true. Returns how many elements
    /// run that pass, so a caller can say when a flag had nothing to act on.
    @discardableResult
    public mutating func setOption(
        _ key: String, to value: String, forPass passArgument: String, overriding: Bool = false
    ) -> Int {
        var matched = 0
        for index in elements.indices where elements[index].passArgument == passArgument {
            matched += 1
            if let existing = elements[index].options.firstIndex(where: { $0.key == key }) {
                if overriding { elements[index].options[existing].value = value }
            } else {
                elements[index].options.append(PipelineOption(key: key, value: value))
            }
        }
        return matched
    }

    /// Whether some element runs `passArgument`.
    public func contains(pass passArgument: String) -> Bool {
        elements.contains { $0.passArgument == passArgument }
    }
}
