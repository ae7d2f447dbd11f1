// swift-tools-version:5.4
import PackageDescription

// Coverage-guided libFuzzer targets for qdqc's parsers. Not part of the root package: each target is an
// executable without a `main` (libFuzzer supplies it), so it links only with `-sanitize=fuzzer`.
// Build and run them with `.ci/fuzz` (see docs/threat-model.md). Tools version 5.4 on purpose: from 5.5 on,
// SwiftPM renames an executable's entry point to `<module>_main` and links `main` to it, which a target whose
// `main` is libFuzzer's cannot satisfy.
let package = Package(
    name: "qdqc-fuzz",
    dependencies: [.package(name: "qdqc", path: "../..")],
    targets: [
        // Protobuf models: read, verify, write and read back.
        .executableTarget(
            name: "FuzzModelReader",
            dependencies: [.product(name: "OnnxIR", package: "qdqc"), .product(name: "OnnxIO", package: "qdqc")]
        ),
        // ONNX text: parse, print and parse back.
        .executableTarget(
            name: "FuzzModelText",
            dependencies: [.product(name: "OnnxIR", package: "qdqc"), .product(name: "OnnxText", package: "qdqc")]
        ),
        // `.npy` and `.npz` files.
        .executableTarget(
            name: "FuzzTensorFiles",
            dependencies: [.product(name: "OnnxIR", package: "qdqc"), .product(name: "TensorFiles", package: "qdqc")]
        ),
        // Pipeline text: parse, print and parse back, make the passes.
        .executableTarget(
            name: "FuzzPipeline",
            dependencies: [.product(name: "Passes", package: "qdqc")]
        ),
    ]
)
