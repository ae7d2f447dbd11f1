// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "qdqc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "qdqc", targets: ["qdqc"]),
        // The libraries, so other packages can read, change, interpret and quantize ONNX models.
        .library(name: "OnnxIR", targets: ["OnnxIR"]),
        .library(name: "OnnxIO", targets: ["OnnxIO"]),
        .library(name: "OnnxText", targets: ["OnnxText"]),
        .library(name: "TensorFiles", targets: ["TensorFiles"]),
        .library(name: "OnnxInterpreter", targets: ["OnnxInterpreter"]),
        .library(name: "Quantization", targets: ["Quantization"]),
        .library(name: "Calibration", targets: ["Calibration"]),
        .library(name: "Passes", targets: ["Passes"]),
        .library(name: "ModelFiles", targets: ["ModelFiles"]),
        .library(name: "Evaluation", targets: ["Evaluation"]),
        .library(name: "QdqcCLI", targets: ["QdqcCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "4.5.2"),
    ],
    targets: [
        // The C boundary: libprotobuf-c and the protoc-c output for schemas/onnx.proto.
        .systemLibrary(
            name: "CProtobufC",
            pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"])]
        ),
        .target(name: "COnnxProto", dependencies: ["CProtobufC"]),
        // BLAS for the interpreter's GEMM-shaped kernels.
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // Vectorized libm functions with the C library's results bit for bit (AVX2 intrinsics).
        .target(name: "CVectorMath"),
        // The IR: no C, no protobuf.
        .target(name: "OnnxIR"),
        // The only Swift module that touches COnnxProto: protobuf read/write, external data, atomic files.
        .target(name: "OnnxIO", dependencies: ["OnnxIR", "COnnxProto", "CProtobufC"]),
        // ONNX textual syntax: printer and parser.
        .target(name: "OnnxText", dependencies: ["OnnxIR"]),
        // Model files: format by extension (.onnx protobuf, .onnxtxt text), sidecars, atomic files and folders.
        .target(name: "ModelFiles", dependencies: ["OnnxIR", "OnnxIO", "OnnxText"]),
        // .npy / .npz / TensorProto .pb files and sample folders.
        .target(
            name: "TensorFiles",
            dependencies: [
                "OnnxIR", "OnnxIO", "CVectorMath", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        // The reference interpreter.
        .target(name: "OnnxInterpreter", dependencies: ["OnnxIR", "CBLAS", "CVectorMath"]),
        // Calibration: streaming observers, histograms, calibration tables, and the one sample loop
        // (samples from files or seeded random, run through the interpreter).
        .target(
            name: "Calibration",
            dependencies: [
                "OnnxIR", "OnnxIO", "TensorFiles", "OnnxInterpreter", "Quantization", "SeededRandom",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // Quantization math: formats, scales and zero points, weight quantization and packing, and the
        // weight algorithms on one matrix (RTN, GPTQ, AWQ search), which multiply through the interpreter's BLAS.
        .target(name: "Quantization", dependencies: ["OnnxIR", "OnnxInterpreter"]),
        // A seeded random generator, so random inputs and samples repeat on every machine.
        .target(name: "SeededRandom"),
        // Pass protocol, manager, registry, pipelines, instrumentation and the passes.
        .target(
            name: "Passes",
            dependencies: [
                "OnnxIR", "OnnxText", "OnnxIO", "OnnxInterpreter", "Calibration", "Quantization",
                "ModelFiles",
            ]
        ),
        // Compare, report and the accuracy gate: how far a quantized model is from its float model.
        .target(
            name: "Evaluation",
            dependencies: ["OnnxIR", "OnnxIO", "OnnxInterpreter", "Calibration", "Quantization", "Passes"]),
        // The command line as a library, so tests can drive it.
        .target(
            name: "QdqcCLI",
            dependencies: [
                "OnnxIR", "OnnxIO", "OnnxText", "Passes", "TensorFiles", "OnnxInterpreter", "Calibration",
                "Quantization", "ModelFiles", "Evaluation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "qdqc", dependencies: ["QdqcCLI"]),
        .testTarget(name: "OnnxIRTests", dependencies: ["OnnxIR", "OnnxText"]),
        .testTarget(name: "OnnxIOTests", dependencies: ["OnnxIR", "OnnxIO", "TestSupport"]),
        .testTarget(name: "OnnxTextTests", dependencies: ["OnnxIR", "OnnxText", "TestSupport"]),
        .testTarget(name: "ModelFilesTests", dependencies: ["OnnxIR", "OnnxText", "ModelFiles", "TestSupport"]),
        .testTarget(name: "TensorFilesTests", dependencies: ["OnnxIR", "OnnxIO", "TensorFiles", "TestSupport"]),
        .testTarget(
            name: "OnnxInterpreterTests",
            dependencies: ["OnnxIR", "OnnxIO", "OnnxInterpreter", "CVectorMath", "TensorFiles", "TestSupport"]),
        .testTarget(
            name: "CalibrationTests",
            dependencies: [
                "OnnxIR", "OnnxText", "TensorFiles", "OnnxInterpreter", "Calibration", "Quantization", "SeededRandom",
                "TestSupport",
            ]),
        .testTarget(
            name: "QuantizationTests", dependencies: ["OnnxIR", "Quantization", "SeededRandom"]),
        .testTarget(
            name: "PassesTests",
            dependencies: [
                "OnnxIR", "OnnxText", "OnnxIO", "Passes", "TensorFiles", "Calibration", "Quantization",
                "OnnxInterpreter", "TestSupport",
            ]),
        .testTarget(
            name: "EvaluationTests",
            dependencies: [
                "OnnxIR", "OnnxText", "OnnxInterpreter", "Calibration", "Evaluation", "ModelFiles", "TestSupport",
            ]),
        .testTarget(name: "QdqcCLITests", dependencies: ["Calibration", "QdqcCLI", "TestSupport"]),
        // Cross-checks against onnx / onnxruntime through the Python venv (.venv).
        // Package.swift's dependencies against the imports.
        .testTarget(name: "PackageTests", dependencies: ["TestSupport"]),
        .testTarget(name: "EcosystemTests", dependencies: ["OnnxIR", "OnnxIO", "TestSupport"]),
        // Test helpers every test target may use: paths, the Python venv (scripts in Tests/Python),
        // running qdqc as a user would, temporary folders.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
    ],
    swiftLanguageModes: [.v6]
)
