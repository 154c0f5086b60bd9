// swift-tools-version: 6.1
// R-MAE in Swift: rooms as in ../shared/design/STYLE.md, arrows pointing downward only.
import PackageDescription

let package = Package(
    name: "rmae-swift",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rmae", targets: ["rmae"]),
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "Models", targets: ["Models"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // MARK: C libraries (Debian packages, installed by scripts/setup)
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CJPEG", pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(
            name: "CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CMPI", pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"])]),

        // MARK: Hot loops in C, compiled per CPU level (AVX-512, AVX2 + FMA, baseline) with run-time dispatch
        .target(name: "CKernels"),

        // MARK: Core library
        .target(name: "Engine", dependencies: ["COpenBLAS", "CKernels"]),
        .target(name: "NN", dependencies: ["Engine"]),
        .target(name: "Models", dependencies: ["NN", "Engine"]),
        .target(name: "Regions"),
        .target(name: "Distributed", dependencies: ["Engine", "CMPI"]),
        .target(name: "Viz", dependencies: ["Engine", "Models", "Regions", "Data"]),
        // Evaluation downstream of pre-training: segmentation data, metrics, the fine-tuning recipe's rules.
        .target(name: "Downstream", dependencies: ["Engine", "NN", "Models", "Data", "Regions", "Viz", "Training", "TensorBoard", .product(name: "Yams", package: "Yams")]),
        .target(name: "Training", dependencies: ["Models", "NN", "Engine", "Data", "Viz", "TensorBoard", .product(name: "Yams", package: "Yams")]),
        .target(name: "TensorBoard", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")], exclude: ["Protos"]),
        .target(name: "ONNX", dependencies: ["Engine", "NN", "Models", .product(name: "SwiftProtobuf", package: "swift-protobuf")], exclude: ["Protos"]),
        .target(name: "Data", dependencies: ["Engine", "Regions", "CJPEG", "CPNG"]),
        .target(name: "Serve", dependencies: ["Viz", "Models", "Data", "Training", .product(name: "Hummingbird", package: "hummingbird")]),

        // MARK: Tools
        .executableTarget(
            name: "rmae",
            dependencies: [
                "Engine", "NN", "Models", "Regions", "Data", "Training", "Viz", "Distributed", "Serve", "Downstream", "ONNX",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Every parser over a batch of inputs, one result line each (run by FuzzTests in a child process).
        .executableTarget(name: "rmae-fuzz", dependencies: ["Data", "Models", "Regions", "Serve", "Training", "TestSupport"]),

        // MARK: Tests
        .target(name: "TestSupport", dependencies: ["Engine", "Models", "Data", "Regions"], path: "Tests/TestSupport"),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "CKernels", "TestSupport"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Engine", "TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "NN", "Engine", "Data", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "TensorBoard", "Models", "NN", "Engine", "Data", "TestSupport"]),
        .testTarget(name: "TensorBoardTests", dependencies: ["TensorBoard", "Data", "TestSupport"]),
        .testTarget(name: "ONNXTests", dependencies: ["ONNX", "Models", "NN", "Engine", "TestSupport", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .testTarget(name: "VizTests", dependencies: ["Viz", "Models", "Engine", "Data", "Regions", "TestSupport"]),
        .testTarget(name: "DistributedTests", dependencies: ["Distributed", "Data", "Engine", "TestSupport"]),
        .testTarget(name: "RegionsTests", dependencies: ["Regions", "TestSupport"]),
        .testTarget(name: "ServeTests", dependencies: ["Serve", "Models", "Data", "Regions", "TestSupport"]),
        .testTarget(name: "DataTests", dependencies: ["Data", "Regions", "Engine", "TestSupport"]),
        .testTarget(name: "DownstreamTests", dependencies: ["Downstream", "Viz", "Models", "NN", "Engine", "Data", "Regions", "Training", "TestSupport"]),
        .testTarget(name: "FuzzTests", dependencies: ["Data", "Models", "Engine", "Training", "TestSupport"]),
    ]
)
