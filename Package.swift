// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "Backprop",
  platforms: [.macOS(.v13)],
  products: [
    .library(name: "Backprop", targets: ["Backprop"]),
    .executable(name: "backprop", targets: ["backprop"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
  ],
  targets: [
    // MARK: Library
    .target(
      name: "Backprop",
      dependencies: [
        "CBackpropKernels", "CBackpropZlib", "CBackpropBLAS", .product(name: "RealModule", package: "swift-numerics"),
      ]
    ),
    // GEMM and friends in C, with AVX2/FMA paths picked at run time (see its README).
    .target(name: "CBackpropKernels", exclude: ["README.md"]),
    // The system zlib, opened with dlopen at run time (see its README).
    .target(
      name: "CBackpropZlib",
      exclude: ["README.md"],
      linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]
    ),
    // OpenBLAS (or Accelerate) for the Float products, opened with dlopen when selected (see its README).
    .target(
      name: "CBackpropBLAS",
      exclude: ["README.md"],
      linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]
    ),

    // MARK: Command-line tool
    // The commands, as a library so that the tests and the fuzzer link them; `backprop` only calls main().
    .target(
      name: "BackpropCLI",
      dependencies: [
        "Backprop",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .executableTarget(name: "backprop", dependencies: ["BackpropCLI"]),

    // MARK: Benchmarks
    .executableTarget(
      name: "backprop-bench",
      dependencies: ["Backprop", "CBackpropKernels"],
      path: "Benchmarks/backprop-bench"
    ),

    // MARK: Fuzzing
    // The parsers' fuzz targets: replays inputs in any build; Scripts/fuzz.sh builds it with libFuzzer.
    .executableTarget(
      name: "backprop-fuzz",
      dependencies: ["Backprop", "BackpropCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
      path: "Fuzz/backprop-fuzz"
    ),

    // MARK: Tests
    .target(
      name: "BackpropTestSupport",
      dependencies: ["Backprop"],
      path: "Tests/BackpropTestSupport",
      exclude: ["Fixtures"]
    ),
    // Counts heap allocations by standing in for malloc and friends (Linux; a stub elsewhere), for the test that
    // training steps allocate nothing. Only BackpropTests links it.
    .target(name: "CAllocationCounter", path: "Tests/CAllocationCounter"),
    .testTarget(
      name: "BackpropTests",
      dependencies: [
        "Backprop", "BackpropTestSupport", "CBackpropKernels", "CAllocationCounter",
        .product(name: "RealModule", package: "swift-numerics"),
      ]
    ),
    .testTarget(name: "BackpropCLITests", dependencies: ["backprop", "backprop-fuzz", "Backprop", "BackpropTestSupport"]),
  ],
  swiftLanguageModes: [.v6]
)
