// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "qdqc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "qdqc", targets: ["qdqc"]),
        .library(name: "QdqcCLI", targets: ["QdqcCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        // The C boundary: libprotobuf-c and the protoc-c output for schemas/onnx.proto.
        .systemLibrary(
            name: "CProtobufC",
            pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"])]
        ),
        .target(name: "COnnxProto", dependencies: ["CProtobufC"]),
        // The IR: no C, no protobuf.
        .target(name: "OnnxIR"),
        // The only Swift module that touches COnnxProto.
        .target(name: "OnnxIO", dependencies: ["OnnxIR", "COnnxProto", "CProtobufC"]),
        .target(name: "OnnxText", dependencies: ["OnnxIR"]),
        .target(name: "Passes", dependencies: ["OnnxIR", "OnnxText"]),
        .target(
            name: "QdqcCLI",
            dependencies: [
                "OnnxIR", "OnnxIO", "OnnxText", "Passes",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "qdqc", dependencies: ["QdqcCLI"]),
        .testTarget(name: "OnnxIRTests", dependencies: ["OnnxIR"]),
    ],
    swiftLanguageModes: [.v5]
)
