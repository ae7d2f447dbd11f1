import Foundation
import OnnxIR

/// HannWindow, HammingWindow and BlackmanWindow.
enum WindowFunctionKernels {
    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        table[":HannWindow"] = builder { n, span in
            let s = Foundation.sin(Double.pi * n / span)
            return s * s
        }
        table[":HammingWindow"] = builder { n, span in
            let alpha = 25.0 / 46.0
            return alpha - Foundation.cos(2 * Double.pi * n / span) * (1 - alpha)
        }
        table[":BlackmanWindow"] = builder { n, span in
            0.42 - 0.5 * Foundation.cos(2 * Double.pi * n / span) + 0.08 * Foundation.cos(4 * Double.pi * n / span)
        }
    }

    private static func builder(_ value: @escaping (Double, Double) -> Double) -> KernelBuilder {
        { context in
            let periodic = try context.int("periodic", default: 1) != 0
            let type = DataType(rawValue: Int32(truncatingIfNeeded: try context.int("output_datatype", default: 1)))
            return { call in
                let size = try IntegerReading.scalar(of: call.input(0), name: call.inputName(0))
                guard size >= 0 else { throw KernelError.invalid("size \(size) is negative") }
                _ = try NDArray.byteCount(of: .double, count: size)
                let span = Double(periodic ? size : size - 1)
                let values = (0..<size).map { value(Double($0), span) }
                return [try ElementConversion.convert(NDArray(values, dataType: .double, shape: [size]), to: type)]
            }
        }
    }
}
