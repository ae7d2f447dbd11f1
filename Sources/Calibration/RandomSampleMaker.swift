import Foundation
import OnnxIR
import OnnxInterpreter
import SeededRandom

/// Seeded random inputs shaped like a graph's inputs, for `--calib-random`.
///
/// Dynamic dimensions get size 1. Float inputs are standard normal, integer inputs 0 or 1
/// (safe as indices and token ids), booleans fair coins. Sample `i` depends only on the seed
/// and `i`, so any subset of samples can be made again.
struct RandomSampleMaker {
    private struct InputPlan {
        let name: String
        let elementType: DataType
        let shape: [Int]
        let count: Int
    }

    private let plans: [InputPlan]
    private let seed: UInt64

    /// Plans the inputs of `graph`; throws for an input without a tensor type or with an unsupported element type.
    init(graph: Graph, seed: UInt64, skipping: Set<String> = []) throws {
        self.seed = seed
        plans = try graph.inputs.filter { $0.initializer == nil && !skipping.contains($0.name) }.map { value in
            guard let elementType = value.elementType, let shape = value.shape else {
                throw CalibrationRunError.unsupportedRandomInput(
                    name: value.name, reason: "the model does not declare its element type and rank")
            }
            guard Self.supported.contains(elementType) else {
                throw CalibrationRunError.unsupportedRandomInput(
                    name: value.name, reason: "element type \(elementType) is not supported for random inputs")
            }
            let sizes = shape.dimensions.map { dimension -> Int in
                guard let size = dimension.value, size >= 0 else { return 1 }
                return Int(size)
            }
            guard let count = ElementCount.of(sizes.map(Int64.init)), count <= 1 << 28 else {
                throw CalibrationRunError.unsupportedRandomInput(
                    name: value.name, reason: "shape \(shape) is too large for random inputs")
            }
            return InputPlan(name: value.name, elementType: elementType, shape: sizes, count: count)
        }
    }

    private static let supported: Set<DataType> = [.float, .double, .int64, .int32, .int8, .uint8, .bool]

    /// The inputs of sample `index`.
    func sample(index: Int) throws -> [String: NDArray] {
        var generator = SplitMix64(seed: seed &+ UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03)
        var arrays: [String: NDArray] = [:]
        for plan in plans {
            let count = plan.count
            switch plan.elementType {
            case .float:
                arrays[plan.name] = try NDArray(floats: generator.normals(count), shape: plan.shape)
            case .double:
                let values = generator.normals(count).map(Double.init)
                arrays[plan.name] = try NDArray(values, dataType: .double, shape: plan.shape)
            case .int64:
                let values = (0..<count).map { _ in Int64(generator.next() & 1) }
                arrays[plan.name] = try NDArray(int64s: values, shape: plan.shape)
            case .int32:
                let values = (0..<count).map { _ in Int32(generator.next() & 1) }
                arrays[plan.name] = try NDArray(values, dataType: .int32, shape: plan.shape)
            case .int8:
                let values = (0..<count).map { _ in Int8(generator.next() & 1) }
                arrays[plan.name] = try NDArray(values, dataType: .int8, shape: plan.shape)
            case .uint8:
                let values = (0..<count).map { _ in UInt8(generator.next() & 1) }
                arrays[plan.name] = try NDArray(values, dataType: .uint8, shape: plan.shape)
            default:
                let values = (0..<count).map { _ in generator.next() & 1 == 1 }
                arrays[plan.name] = try NDArray(values, dataType: .bool, shape: plan.shape)
            }
        }
        return arrays
    }
}
