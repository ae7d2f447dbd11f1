import OnnxIR

/// Einsum: repeated labels become diagonals, labels used once are summed out, and operands
/// are contracted pairwise as batched matrix products.
enum EinsumKernel {
    /// Registers the kernel.
    static func register(into table: inout [String: KernelBuilder]) {
        table[":Einsum"] = { context in
            let equation = try context.string("equation", default: "")
            return { call in [try einsum(equation, call.inputs.compactMap { $0 })] }
        }
    }

    /// An operand with one label per axis.
    private struct Term {
        var array: NDArray
        var labels: [Int]
    }

    /// Evaluates `equation` on `operands`.
    static func einsum(_ equation: String, _ operands: [NDArray]) throws -> NDArray {
        let cleaned = equation.filter { !$0.isWhitespace }
        let sides = cleaned.components(separatedBy: "->")
        guard sides.count <= 2, let inputSide = sides.first else {
            throw KernelError.invalid("equation '\(equation)' is malformed")
        }
        let inputTerms = inputSide.components(separatedBy: ",")
        guard inputTerms.count == operands.count else {
            throw KernelError.invalid(
                "equation '\(equation)' has \(inputTerms.count) operands, \(operands.count) were given")
        }
        let ellipsisRank =
            try zip(inputTerms, operands).map { term, array -> Int in
                guard term.contains("...") else { return 0 }
                let letters = term.replacingOccurrences(of: "...", with: "").count
                guard array.rank >= letters else {
                    throw KernelError.invalid("operand \(array.shape) is too small for '\(term)'")
                }
                return array.rank - letters
            }.max() ?? 0
        var terms: [Term] = []
        var written: [Int] = []
        for (term, array) in zip(inputTerms, operands) {
            let labels = try parse(term, rank: array.rank, ellipsisRank: ellipsisRank)
            guard labels.count == array.rank else {
                throw KernelError.invalid(
                    "term '\(term)' has \(labels.count) labels for an operand of rank \(array.rank)")
            }
            written += labels
            terms.append(try diagonal(Term(array: array, labels: labels)))
        }
        var sizes: [Int: Int] = [:]
        for term in terms {
            for (axis, label) in term.labels.enumerated() {
                let size = term.array.shape[axis]
                if let known = sizes[label], known != size {
                    guard known == 1 || size == 1, label >= 1000 else {
                        throw KernelError.invalid("label sizes disagree in '\(equation)': \(known) and \(size)")
                    }
                    sizes[label] = max(known, size)
                } else {
                    sizes[label] = size
                }
            }
        }
        let output: [Int]
        if sides.count == 2 {
            output = try parse(sides[1], rank: nil, ellipsisRank: ellipsisRank)
        } else {
            // Implicit output: the ellipsis, then the letters written exactly once, in alphabetical order.
            let once = Set(written.filter { label in label < 1000 && written.filter { $0 == label }.count == 1 })
            output = (1000..<(1000 + ellipsisRank)).filter { sizes[$0] != nil } + once.sorted()
        }
        guard output.allSatisfy({ sizes[$0] != nil }), Set(output).count == output.count else {
            throw KernelError.invalid("output of '\(equation)' names a label no operand has, or repeats one")
        }
        var current = try sumUnused(terms[0], keep: Set(output).union(terms.dropFirst().flatMap(\.labels)))
        for index in 1..<max(terms.count, 1) {
            let later = Set(output).union(terms.dropFirst(index + 1).flatMap(\.labels))
            let right = try sumUnused(terms[index], keep: later.union(current.labels))
            current = try sumUnused(current, keep: later.union(right.labels))
            current = try contract(current, right, keep: later, sizes: sizes)
        }
        current = try sumUnused(current, keep: Set(output))
        let perm = try output.map { label -> Int in
            guard let axis = current.labels.firstIndex(of: label) else {
                throw KernelError.invalid("label missing from the result of '\(equation)'")
            }
            return axis
        }
        var result = try MovementKernels.transpose(current.array, perm: perm)
        let shape = output.map { sizes[$0] ?? 1 }
        if result.shape != shape { result = try ShapeKernels.expand(result, to: shape) }
        return result
    }

    /// Labels of one term: letters as their code points, the ellipsis as 1000... right-aligned.
    private static func parse(_ term: String, rank: Int?, ellipsisRank: Int) throws -> [Int] {
        var labels: [Int] = []
        let parts = term.components(separatedBy: "...")
        guard parts.count <= 2 else { throw KernelError.invalid("term '\(term)' has more than one ellipsis") }
        func letters(_ text: String) throws -> [Int] {
            try text.unicodeScalars.map { scalar in
                guard scalar.properties.isAlphabetic, scalar.isASCII else {
                    throw KernelError.invalid("'\(scalar)' is not a label")
                }
                return Int(scalar.value)
            }
        }
        labels += try letters(parts[0])
        if parts.count == 2 {
            let own = rank.map { $0 - (parts[0].count + parts[1].count) } ?? ellipsisRank
            labels += (0..<own).map { 1000 + ellipsisRank - own + $0 }
            labels += try letters(parts[1])
        }
        return labels
    }

    /// Takes the diagonal for labels repeated within one term.
    private static func diagonal(_ term: Term) throws -> Term {
        guard Set(term.labels).count != term.labels.count else { return term }
        let strides = Shapes.strides(of: term.array.shape)
        var labels: [Int] = []
        var shape: [Int] = []
        var viewStrides: [Int] = []
        for (axis, label) in term.labels.enumerated() {
            if let existing = labels.firstIndex(of: label) {
                guard shape[existing] == term.array.shape[axis] else {
                    throw KernelError.invalid("a repeated label spans axes of different sizes")
                }
                viewStrides[existing] += strides[axis]
            } else {
                labels.append(label)
                shape.append(term.array.shape[axis])
                viewStrides.append(strides[axis])
            }
        }
        return Term(
            array: try MovementKernels.view(term.array, offset: 0, strides: viewStrides, shape: shape), labels: labels)
    }

    /// Sums out the labels of `term` not in `keep`.
    private static func sumUnused(_ term: Term, keep: Set<Int>) throws -> Term {
        let axes = term.labels.indices.filter { !keep.contains(term.labels[$0]) }
        guard !axes.isEmpty else { return term }
        let summed = try ReductionKernels.reduce(term.array, axes: axes, keepDims: false, operation: .sum)
        return Term(array: summed, labels: term.labels.enumerated().filter { !axes.contains($0.offset) }.map(\.element))
    }

    /// Contracts two terms over their shared labels that `keep` does not need, as one batched matmul.
    private static func contract(_ left: Term, _ right: Term, keep: Set<Int>, sizes: [Int: Int]) throws -> Term {
        let shared = left.labels.filter { right.labels.contains($0) }
        let batch = shared.filter { keep.contains($0) }
        let contracted = shared.filter { !keep.contains($0) }
        let leftOnly = left.labels.filter { !right.labels.contains($0) }
        let rightOnly = right.labels.filter { !left.labels.contains($0) }
        func arrange(_ term: Term, _ order: [Int]) throws -> NDArray {
            let perm = order.compactMap { term.labels.firstIndex(of: $0) }
            let moved = try MovementKernels.transpose(term.array, perm: perm)
            let full = order.map { sizes[$0] ?? 1 }
            return moved.shape == full ? moved : try ShapeKernels.expand(moved, to: full)
        }
        let a = try arrange(left, batch + leftOnly + contracted)
        let b = try arrange(right, batch + contracted + rightOnly)
        func size(_ labels: [Int]) -> Int { labels.reduce(1) { $0 * (sizes[$1] ?? 1) } }
        let product = try LinearAlgebraKernels.matmul(
            a.reshaped([size(batch), size(leftOnly), size(contracted)]),
            b.reshaped([size(batch), size(contracted), size(rightOnly)]))
        let labels = batch + leftOnly + rightOnly
        return Term(array: product.reshaped(labels.map { sizes[$0] ?? 1 }), labels: labels)
    }
}
