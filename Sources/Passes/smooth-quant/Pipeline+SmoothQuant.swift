extension Pipeline {
    /// Adds `smooth-quant{alpha=...}` where it belongs: before the first `calibrate` (smoothing changes
    /// the ranges calibration measures), else before the first `insert-qdq`, else at the end.
    ///
    /// A pipeline that already runs `smooth-quant` keeps its place; its `alpha`, if written, wins.
    public mutating func insertSmoothQuant(alpha: SmoothQuantAlpha) {
        let value = alpha.description
        if contains(pass: SmoothQuantPass.argument) {
            setOption("alpha", to: value, forPass: SmoothQuantPass.argument)
            return
        }
        let element = PipelineElement(
            passArgument: SmoothQuantPass.argument, options: [PipelineOption(key: "alpha", value: value)])
        let anchor =
            elements.firstIndex { $0.passArgument == "calibrate" }
            ?? elements.firstIndex { $0.passArgument == "insert-qdq" }
            ?? elements.firstIndex { $0.passArgument == "quantize-weights" } ?? elements.endIndex
        elements.insert(element, at: anchor)
    }
}
