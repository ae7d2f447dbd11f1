import Foundation
import OnnxIR

/// LSTM, GRU and RNN: one GEMM for all input projections of a direction, then one GEMM per
/// time step for the recurrence; sequence lengths, both directions, both layouts, clip,
/// peepholes, input_forget, linear_before_reset and custom activations.
enum RecurrentKernels {
    /// Which cell.
    enum Cell {
        case lstm(inputForget: Bool)
        case gru(linearBeforeReset: Bool)
        case rnn

        var gates: Int {
            switch self {
            case .lstm: return 4
            case .gru: return 3
            case .rnn: return 1
            }
        }

        var activationsPerDirection: Int {
            switch self {
            case .lstm: return 3
            case .gru: return 2
            case .rnn: return 1
            }
        }

        var defaultActivations: [String] {
            switch self {
            case .lstm: return ["Sigmoid", "Tanh", "Tanh"]
            case .gru: return ["Sigmoid", "Tanh"]
            case .rnn: return ["Tanh"]
            }
        }
    }

    /// The attributes of one node.
    struct Configuration {
        let cell: Cell
        let hiddenSize: Int?
        let directions: [Bool]
        let activations: [RecurrentActivation]
        let clip: Float?
        let batchFirst: Bool
    }

    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        table[":LSTM"] = { context in
            let cell = Cell.lstm(inputForget: try context.int("input_forget", default: 0) != 0)
            let configuration = try configure(context, cell: cell)
            return { call in try run(call, configuration) }
        }
        table[":GRU"] = { context in
            let cell = Cell.gru(linearBeforeReset: try context.int("linear_before_reset", default: 0) != 0)
            let configuration = try configure(context, cell: cell)
            return { call in try run(call, configuration) }
        }
        table[":RNN"] = { context in
            let configuration = try configure(context, cell: .rnn)
            return { call in try run(call, configuration) }
        }
    }

    private static func configure(_ context: NodeContext, cell: Cell) throws -> Configuration {
        let direction = try context.string("direction", default: "forward")
        let directions: [Bool]
        switch direction {
        case "forward": directions = [false]
        case "reverse": directions = [true]
        case "bidirectional": directions = [false, true]
        default: throw KernelError.invalidAttribute("direction '\(direction)' is not forward, reverse or bidirectional")
        }
        var names = try context.strings("activations") ?? []
        if names.isEmpty {
            names = Array([[String]](repeating: cell.defaultActivations, count: directions.count).joined())
        }
        if names.count == cell.activationsPerDirection && directions.count == 2 { names += names }
        guard names.count == cell.activationsPerDirection * directions.count else {
            throw KernelError.invalidAttribute(
                "activations lists \(names.count) functions, \(cell.activationsPerDirection * directions.count) are needed"
            )
        }
        let activations = try RecurrentActivation.list(
            names: names, alphas: context.floats("activation_alpha") ?? [],
            betas: context.floats("activation_beta") ?? [])
        return Configuration(
            cell: cell, hiddenSize: try context.optionalInt("hidden_size"), directions: directions,
            activations: activations, clip: try context.optionalFloat("clip"),
            batchFirst: try context.int("layout", default: 0) != 0)
    }

    private static func run(_ call: KernelCall, _ configuration: Configuration) throws -> [NDArray?] {
        let type = try call.input(0).dataType
        guard [.float, .double, .float16, .bfloat16].contains(type) else {
            throw KernelError.unsupportedType("\(type) (supported: float, double, float16, bfloat16)")
        }
        let widen = { (index: Int) throws -> NDArray? in
            guard let array = call.optionalInput(index), array.count > 0 || index == 0 else { return nil }
            return try ElementConversion.convert(array, to: .float)
        }
        var x = try widen(0) ?? NDArray(floats: [], shape: [0])
        guard x.rank == 3 else { throw KernelError.invalid("X must be 3-D, not \(x.shape)") }
        if configuration.batchFirst { x = try MovementKernels.transpose(x, perm: [1, 0, 2]) }
        guard let w = try widen(1), let r = try widen(2) else { throw KernelError.invalid("W and R are required") }
        let (steps, batch, inputSize) = (x.shape[0], x.shape[1], x.shape[2])
        let directions = configuration.directions.count
        let gates = configuration.cell.gates
        guard w.rank == 3, w.shape[0] == directions, w.shape[1] % gates == 0, w.shape[2] == inputSize else {
            throw KernelError.invalid("W \(w.shape) does not fit X \(x.shape) and \(directions) direction(s)")
        }
        let hidden = w.shape[1] / gates
        if let declared = configuration.hiddenSize, declared != hidden {
            throw KernelError.invalid("hidden_size \(declared) disagrees with W \(w.shape)")
        }
        guard r.shape == [directions, gates * hidden, hidden] else {
            throw KernelError.invalid("R \(r.shape) should be \([directions, gates * hidden, hidden])")
        }
        let bias = try widen(3)
        if let bias, bias.shape != [directions, 2 * gates * hidden] {
            throw KernelError.invalid("B \(bias.shape) should be \([directions, 2 * gates * hidden])")
        }
        var lengths = [Int](repeating: steps, count: batch)
        if let given = call.optionalInput(4), given.count > 0 {
            lengths = try IntegerReading.values(of: given, name: call.inputName(4))
            guard lengths.count == batch, lengths.allSatisfy({ $0 >= 0 && $0 <= steps }) else {
                throw KernelError.invalid("sequence_lens \(lengths) does not fit batch \(batch) and \(steps) steps")
            }
        }
        let stateShape = [directions, batch, hidden]
        var initialH = try widen(5)
        var initialC: NDArray? = nil
        var peepholes: NDArray? = nil
        if case .lstm = configuration.cell {
            initialC = try widen(6)
            peepholes = try widen(7)
            if let peepholes, peepholes.shape != [directions, 3 * hidden] {
                throw KernelError.invalid("P \(peepholes.shape) should be \([directions, 3 * hidden])")
            }
        }
        if configuration.batchFirst {
            initialH = try initialH.map { try MovementKernels.transpose($0, perm: [1, 0, 2]) }
            initialC = try initialC.map { try MovementKernels.transpose($0, perm: [1, 0, 2]) }
        }
        for state in [initialH, initialC].compactMap({ $0 }) where state.shape != stateShape {
            throw KernelError.invalid("initial state \(state.shape) should be \(stateShape)")
        }
        let y = try NDArray(zerosOf: .float, shape: [steps, directions, batch, hidden])
        let finalH = try NDArray(zerosOf: .float, shape: stateShape)
        let finalC = try NDArray(zerosOf: .float, shape: stateShape)
        if let initialH { finalH.rawPointer.copyMemory(from: initialH.rawPointer, byteCount: initialH.byteCount) }
        if let initialC { finalC.rawPointer.copyMemory(from: initialC.rawPointer, byteCount: initialC.byteCount) }
        for (direction, reverse) in configuration.directions.enumerated() {
            let per = configuration.cell.activationsPerDirection
            try runDirection(
                DirectionInputs(
                    x: x, w: w.pointer(Float.self) + direction * gates * hidden * inputSize,
                    r: r.pointer(Float.self) + direction * gates * hidden * hidden,
                    bias: bias.map { $0.pointer(Float.self) + direction * 2 * gates * hidden },
                    peepholes: peepholes.map { $0.pointer(Float.self) + direction * 3 * hidden },
                    h: finalH.pointer(Float.self) + direction * batch * hidden,
                    c: finalC.pointer(Float.self) + direction * batch * hidden, y: y.pointer(Float.self),
                    direction: direction, directions: directions, reverse: reverse, lengths: lengths,
                    hidden: hidden,
                    activations: Array(configuration.activations[(direction * per)..<((direction + 1) * per)])),
                configuration)
        }
        var outputs: [NDArray] = [y, finalH, finalC]
        if configuration.batchFirst {
            outputs = [
                try MovementKernels.transpose(y, perm: [2, 0, 1, 3]),
                try MovementKernels.transpose(finalH, perm: [1, 0, 2]),
                try MovementKernels.transpose(finalC, perm: [1, 0, 2]),
            ]
        }
        let results = try outputs.map { try ElementConversion.convert($0, to: type) }
        switch configuration.cell {
        case .lstm: return results
        default: return Array(results.prefix(2))
        }
    }

    /// Pointers and sizes for running one direction.
    struct DirectionInputs {
        let x: NDArray
        let w: UnsafeMutablePointer<Float>
        let r: UnsafeMutablePointer<Float>
        let bias: UnsafeMutablePointer<Float>?
        let peepholes: UnsafeMutablePointer<Float>?
        let h: UnsafeMutablePointer<Float>
        let c: UnsafeMutablePointer<Float>
        let y: UnsafeMutablePointer<Float>
        let direction: Int
        let directions: Int
        let reverse: Bool
        let lengths: [Int]
        let hidden: Int
        let activations: [RecurrentActivation]
    }

    private static func runDirection(_ inputs: DirectionInputs, _ configuration: Configuration) throws {
        let (steps, batch, inputSize) = (inputs.x.shape[0], inputs.x.shape[1], inputs.x.shape[2])
        let hidden = inputs.hidden
        let gates = configuration.cell.gates
        let width = gates * hidden
        // Input projections of every step at once, with the input biases folded in.
        let projected = try NDArray.uninitialized(.float, shape: [steps * batch, width])
        let xw = projected.pointer(Float.self)
        if steps * batch > 0 {
            try Blas.sgemm(
                transposeA: false, transposeB: true, m: steps * batch, n: width, k: inputSize, alpha: 1,
                a: inputs.x.pointer(Float.self), lda: inputSize, b: inputs.w, ldb: inputSize, beta: 0, c: xw, ldc: width
            )
        }
        var recurrentBias = [Float](repeating: 0, count: width)
        if let bias = inputs.bias {
            for row in 0..<(steps * batch) {
                for index in 0..<width { xw[row * width + index] += bias[index] }
            }
            for index in 0..<width { recurrentBias[index] = bias[width + index] }
        }
        var gateBuffer = [Float](repeating: 0, count: batch * width)
        let maxLength = inputs.lengths.max() ?? 0
        for step in 0..<maxLength {
            if case .gru(let linearBeforeReset) = configuration.cell, !linearBeforeReset {
                try gruStep(inputs, configuration, step: step, xw: xw, recurrentBias: recurrentBias, gates: &gateBuffer)
                continue
            }
            try gateBuffer.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                try Blas.sgemm(
                    transposeA: false, transposeB: true, m: batch, n: width, k: hidden, alpha: 1, a: inputs.h,
                    lda: hidden,
                    b: inputs.r, ldb: hidden, beta: 0, c: base, ldc: width)
            }
            for item in 0..<batch where step < inputs.lengths[item] {
                let time = inputs.reverse ? inputs.lengths[item] - 1 - step : step
                let row = (time * batch + item) * width
                gateBuffer.withUnsafeMutableBufferPointer { buffer in
                    guard let base = buffer.baseAddress else { return }
                    let recurrent = base + item * width
                    cellUpdate(
                        inputs, configuration, item: item, time: time, xw: xw + row, recurrent: recurrent,
                        recurrentBias: recurrentBias)
                }
            }
        }
    }

    /// The elementwise part of one step for one batch item (all cells but GRU without linear_before_reset).
    private static func cellUpdate(
        _ inputs: DirectionInputs, _ configuration: Configuration, item: Int, time: Int,
        xw: UnsafeMutablePointer<Float>, recurrent: UnsafeMutablePointer<Float>, recurrentBias: [Float]
    ) {
        let hidden = inputs.hidden
        let width = configuration.cell.gates * hidden
        let h = inputs.h + item * hidden
        let c = inputs.c + item * hidden
        let clip = configuration.clip
        var pre = [Float](repeating: 0, count: width)
        for index in 0..<width { pre[index] = xw[index] + recurrent[index] + recurrentBias[index] }
        let output = inputs.y + ((time * inputs.directions + inputs.direction) * inputs.x.shape[1] + item) * hidden
        pre.withUnsafeMutableBufferPointer { buffer in
            guard let gates = buffer.baseAddress else { return }
            switch configuration.cell {
            case .lstm(let inputForget):
                let (f, g, hAct) = (inputs.activations[0], inputs.activations[1], inputs.activations[2])
                let (i, o, fg, cc) = (gates, gates + hidden, gates + 2 * hidden, gates + 3 * hidden)
                if let peepholes = inputs.peepholes {
                    for index in 0..<hidden {
                        i[index] += peepholes[index] * c[index]
                        fg[index] += peepholes[2 * hidden + index] * c[index]
                    }
                }
                clipValues(i, hidden, clip)
                clipValues(fg, hidden, clip)
                clipValues(cc, hidden, clip)
                f.apply(i, count: hidden)
                if inputForget {
                    for index in 0..<hidden { fg[index] = 1 - i[index] }
                } else {
                    f.apply(fg, count: hidden)
                }
                g.apply(cc, count: hidden)
                for index in 0..<hidden { c[index] = fg[index] * c[index] + i[index] * cc[index] }
                if let peepholes = inputs.peepholes {
                    for index in 0..<hidden { o[index] += peepholes[hidden + index] * c[index] }
                }
                clipValues(o, hidden, clip)
                f.apply(o, count: hidden)
                var activated = [Float](repeating: 0, count: hidden)
                for index in 0..<hidden { activated[index] = c[index] }
                activated.withUnsafeMutableBufferPointer { cell in
                    guard let cellBase = cell.baseAddress else { return }
                    hAct.apply(cellBase, count: hidden)
                    for index in 0..<hidden { h[index] = o[index] * cellBase[index] }
                }
            case .gru:
                // linear_before_reset: h~ = g(xw_h + r ⊙ (H R_h^T + Rb_h)).
                let (f, g) = (inputs.activations[0], inputs.activations[1])
                let (z, r, candidate) = (gates, gates + hidden, gates + 2 * hidden)
                clipValues(z, 2 * hidden, clip)
                f.apply(z, count: 2 * hidden)
                for index in 0..<hidden {
                    candidate[index] =
                        xw[2 * hidden + index] + r[index]
                        * (recurrent[2 * hidden + index] + recurrentBias[2 * hidden + index])
                }
                clipValues(candidate, hidden, clip)
                g.apply(candidate, count: hidden)
                for index in 0..<hidden { h[index] = (1 - z[index]) * candidate[index] + z[index] * h[index] }
            case .rnn:
                clipValues(gates, hidden, clip)
                inputs.activations[0].apply(gates, count: hidden)
                for index in 0..<hidden { h[index] = gates[index] }
            }
        }
        for index in 0..<hidden { output[index] = h[index] }
    }

    /// One GRU step without linear_before_reset: the candidate's recurrence uses (r ⊙ H), so it needs its own GEMM.
    private static func gruStep(
        _ inputs: DirectionInputs, _ configuration: Configuration, step: Int, xw: UnsafeMutablePointer<Float>,
        recurrentBias: [Float], gates buffer: inout [Float]
    ) throws {
        let batch = inputs.x.shape[1]
        let hidden = inputs.hidden
        let width = 3 * hidden
        let (f, g) = (inputs.activations[0], inputs.activations[1])
        let clip = configuration.clip
        try buffer.withUnsafeMutableBufferPointer { pointer in
            guard let base = pointer.baseAddress else { return }
            try Blas.sgemm(
                transposeA: false, transposeB: true, m: batch, n: 2 * hidden, k: hidden, alpha: 1, a: inputs.h,
                lda: hidden, b: inputs.r, ldb: hidden, beta: 0, c: base, ldc: width)
        }
        var reset = [Float](repeating: 0, count: batch * hidden)
        var update = [Float](repeating: 0, count: batch * hidden)
        for item in 0..<batch where step < inputs.lengths[item] {
            let time = inputs.reverse ? inputs.lengths[item] - 1 - step : step
            let row = xw + (time * batch + item) * width
            for index in 0..<(2 * hidden) {
                var value = row[index] + buffer[item * width + index] + recurrentBias[index]
                if let clip { value = max(-clip, min(clip, value)) }
                buffer[item * width + index] = value
            }
            buffer.withUnsafeMutableBufferPointer { pointer in
                guard let base = pointer.baseAddress else { return }
                f.apply(base + item * width, count: 2 * hidden)
            }
            for index in 0..<hidden {
                update[item * hidden + index] = buffer[item * width + index]
                reset[item * hidden + index] = buffer[item * width + hidden + index] * inputs.h[item * hidden + index]
            }
        }
        var candidate = [Float](repeating: 0, count: batch * hidden)
        try reset.withUnsafeBufferPointer { resetPointer in
            try candidate.withUnsafeMutableBufferPointer { candidatePointer in
                guard let resetBase = resetPointer.baseAddress, let candidateBase = candidatePointer.baseAddress else {
                    return
                }
                try Blas.sgemm(
                    transposeA: false, transposeB: true, m: batch, n: hidden, k: hidden, alpha: 1, a: resetBase,
                    lda: hidden, b: inputs.r + 2 * hidden * hidden, ldb: hidden, beta: 0, c: candidateBase, ldc: hidden)
            }
        }
        for item in 0..<batch where step < inputs.lengths[item] {
            let time = inputs.reverse ? inputs.lengths[item] - 1 - step : step
            let row = xw + (time * batch + item) * width
            var values = [Float](repeating: 0, count: hidden)
            for index in 0..<hidden {
                var value =
                    row[2 * hidden + index] + candidate[item * hidden + index] + recurrentBias[2 * hidden + index]
                if let clip { value = max(-clip, min(clip, value)) }
                values[index] = value
            }
            values.withUnsafeMutableBufferPointer { pointer in
                guard let base = pointer.baseAddress else { return }
                g.apply(base, count: hidden)
            }
            let h = inputs.h + item * hidden
            let output = inputs.y + ((time * inputs.directions + inputs.direction) * batch + item) * hidden
            for index in 0..<hidden {
                let z = update[item * hidden + index]
                h[index] = (1 - z) * values[index] + z * h[index]
                output[index] = h[index]
            }
        }
    }

    @inline(__always)
    private static func clipValues(_ values: UnsafeMutablePointer<Float>, _ count: Int, _ clip: Float?) {
        guard let clip else { return }
        for index in 0..<count { values[index] = max(-clip, min(clip, values[index])) }
    }
}
