import Backprop
import BackpropTestSupport
import CAllocationCounter
import CBackpropKernels
import Foundation
import Testing

/// Training steps allocate nothing once the first batch of the largest size has been seen (the promise of
/// `Workspace` and `Trainer`), counted call by call on the heap allocator.
///
/// How it counts, and why it cannot fail because of other tests: the CAllocationCounter target stands in for
/// malloc, calloc, realloc, free and the aligned allocators (Linux, glibc) and counts a call only while counting
/// is switched on (one global switch) and only on threads that were enlisted (a thread-local flag). The
/// measurement runs in an exit test, a child process of the test runner that runs nothing but this body, so tests
/// of other suites, which the runner runs in parallel, are in another process and never touch its counter. In the
/// child, the enlisted threads are the one running the body and every worker of the kernels' thread pool
/// (`bp_parallel` runs one part of a job on each, and that part enlists it), so allocations made by a matrix
/// product or an Adam update split over the pool are caught too, and anything the test runner itself might do on
/// its own threads is not. Before measuring, the child checks that the counter does see an allocation on the
/// body's thread and one on a pool worker, so a counter that was not in effect could not pass as zero.
///
/// The child prints one line per scenario, `ALLOCATIONS <allocations> <frees> <name>`; the test reads them back
/// and expects zeros.
@Suite("Allocations per training step", .serialized)
struct AllocationTests {
  @Test(
    "after the first step, steps, epochs and training-run epochs allocate nothing (SGD, momentum, Adam; Float, Double)",
    .enabled(if: allocation_counter_available() != 0, "the allocation counter interposes glibc's malloc (Linux, not under a sanitizer)"))
  func stepsAllocateNothing() async throws {
    #if os(Linux)
    let result = await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) {
      try AllocationTests.measure()
    }
    let lines = String(decoding: result?.standardOutputContent ?? [], as: UTF8.self)
      .split(separator: "\n").filter { $0.hasPrefix("ALLOCATIONS ") }
    let scenarios = lines.map { line in
      let fields = line.split(separator: " ", maxSplits: 3)
      return (allocations: Int(fields[1]) ?? -1, frees: Int(fields[2]) ?? -1, name: String(fields[3]))
    }
    #expect(scenarios.count == Self.expectedScenarios, "scenarios measured: \(scenarios.map(\.name))")
    for scenario in scenarios {
      if scenario.name == "self-check" {
        #expect(scenario.allocations == 2 && scenario.frees == 2,
                "the counter must see one allocation and one free on the test thread and the same on a pool worker")
      } else {
        #expect(scenario.allocations == 0 && scenario.frees == 0,
                "\(scenario.name): \(scenario.allocations) allocations and \(scenario.frees) frees after the first step")
      }
    }
    #endif
  }

  /// The self-check and the training scenarios below.
  static let expectedScenarios = 1 + 11

  /// Runs in the child process: prints the self-check, then each scenario's counts.
  static func measure() throws {
    ComputeThreads.count = 2
    allocation_counter_enlist_this_thread(1)
    bp_parallel(2, { _, _, _ in allocation_counter_enlist_this_thread(1) }, nil)

    // Self-check: one allocation and one free on this thread, the same on the pool's worker (part 1).
    allocation_counter_start()
    UnsafeMutablePointer<Int>.allocate(capacity: 4).deallocate()
    bp_parallel(2, { _, part, _ in if part == 1 { UnsafeMutablePointer<Int>.allocate(capacity: 4).deallocate() } }, nil)
    allocation_counter_stop()
    report("self-check")

    let sgd = try GradientDescent(learningRate: 0.1), adam = try Adam(learningRate: 1e-3)
    let momentum = try GradientDescent(learningRate: 0.05, momentum: 0.9)
    let nesterov = try GradientDescent(learningRate: 0.05, momentum: 0.9, nesterov: true)
    let mnistLike = (sizes: [784, 128, 10], activations: [Activation.relu, .softmax], loss: Loss.crossEntropy)
    let small = (sizes: [20, 16, 3], activations: [Activation.sigmoid, .sigmoid], loss: Loss.meanSquaredError)
    try scenario("784-128-10 relu/softmax/CE, SGD, Float", Float.self, mnistLike, optimizer: sgd, batchSize: 64)
    try scenario("784-128-10 relu/softmax/CE, Adam, Float", Float.self, mnistLike, optimizer: adam, batchSize: 64)
    try scenario("784-128-10 relu/softmax/CE, SGD momentum, Float", Float.self, mnistLike, optimizer: momentum, batchSize: 64)
    try scenario("20-16-3 sigmoid/MSE, SGD, Float", Float.self, small, optimizer: sgd, batchSize: 16)
    try scenario("20-16-3 sigmoid/MSE, Adam, Float", Float.self, small, optimizer: adam, batchSize: 16)
    try scenario("20-16-3 sigmoid/MSE, SGD, Double", Double.self, small, optimizer: sgd, batchSize: 16)
    try scenario("20-16-3 sigmoid/MSE, Adam, Double", Double.self, small, optimizer: adam, batchSize: 16)
    try scenario("20-16-3 sigmoid/MSE, SGD Nesterov, Float", Float.self, small, optimizer: nesterov, batchSize: 16)
    try scenario("20-16-3 sigmoid/MSE, SGD Nesterov, Double", Double.self, small, optimizer: nesterov, batchSize: 16)
    try trainingRun("TrainingRun 784-128-10, SGD, Float", OptimizerSettings(kind: .sgd, learningRate: 0.1))
    try trainingRun(
      "TrainingRun 784-128-10, SGD, dropout 0.5, L2, balanced class weights, Float",
      OptimizerSettings(kind: .sgd, learningRate: 0.1), regularized: true)
  }

  static func report(_ name: String) {
    print("ALLOCATIONS \(allocation_counter_allocations()) \(allocation_counter_frees()) \(name)")
  }

  /// A first step and a first epoch of each kind (allowed to allocate), then, counted: three steps, three more at
  /// once (`steps`), an epoch over matrices, an epoch over a data set with standardization, and one without
  /// standardization or shuffling.
  static func scenario<Scalar: BackpropScalar>(
    _ name: String, _ type: Scalar.Type, _ shape: (sizes: [Int], activations: [Activation], loss: Loss),
    optimizer: any Optimizer, batchSize: Int
  ) throws {
    let count = 150   // two full batches of 64 and a partial one; nine of 16 and a partial one
    let (n0, classes) = (shape.sizes[0], shape.sizes[shape.sizes.count - 1])
    let data = try Dataset.synthetic(
      count: count, features: n0, classNames: (0..<classes).map { "c\($0)" }, noise: 128, signal: 100, seed: 3)
    let standardization = Standardization(fitting: data)
    var generator = SeededGenerator(seed: 7)
    let x = try Matrix<Scalar>(
      rows: n0, columns: count, scalars: (0..<(n0 * count)).map { _ in Scalar(generator.nextUniform()) })
    var y = try Matrix<Scalar>(rows: classes, columns: count, scalars: Array(repeating: 0, count: classes * count))
    for j in 0..<count { y[data.labels![j], j] = 1 }
    let batchX = try Matrix<Scalar>(
      rows: n0, columns: batchSize, scalars: (0..<n0).flatMap { k in (0..<batchSize).map { x[k, $0] } })
    let batchY = try Matrix<Scalar>(
      rows: classes, columns: batchSize, scalars: (0..<classes).flatMap { k in (0..<batchSize).map { y[k, $0] } })
    var network = try Network<Scalar>(
      sizes: shape.sizes, activations: shape.activations, loss: shape.loss, using: &generator)
    var trainer = Trainer<Scalar>(optimizer: optimizer)

    _ = try trainer.step(&network, inputs: batchX, targets: batchY)
    _ = try trainer.epoch(&network, inputs: x, targets: y, batchSize: batchSize, using: &generator)
    _ = try trainer.epoch(&network, on: data, batchSize: batchSize, standardization: standardization, using: &generator)
    // Bytes not standardized take another path (the first layer packs them directly), with its own first use.
    _ = try trainer.epoch(&network, on: data, batchSize: batchSize, using: &generator)

    // The test's own values live to the end (an optimized build would otherwise free them inside the count).
    try withExtendedLifetime((x, y, batchX, batchY, data, standardization)) {
      allocation_counter_start()
      for _ in 0..<3 { _ = try trainer.step(&network, inputs: batchX, targets: batchY) }
      _ = try trainer.steps(3, on: &network, inputs: batchX, targets: batchY)
      _ = try trainer.epoch(&network, inputs: x, targets: y, batchSize: batchSize, using: &generator)
      _ = try trainer.epoch(&network, on: data, batchSize: batchSize, standardization: standardization, using: &generator)
      _ = try trainer.epoch(&network, on: data, batchSize: batchSize, shuffle: false, using: &generator)
      allocation_counter_stop()
    }
    report(name)
  }

  /// The path `backprop train` and the benchmark take: `TrainingRun.runEpoch()`, after a first epoch.
  /// `regularized`: with dropout (masks drawn in every step), an L2 penalty and sample weights.
  static func trainingRun(_ name: String, _ optimizer: OptimizerSettings, regularized: Bool = false) throws {
    let data = try Dataset.synthetic(
      count: 300, features: 784, classNames: (0..<10).map { "\($0)" }, noise: 128, signal: 100, seed: 4)
    var configuration = TrainingConfiguration(
      sizes: [784, 128, 10], activations: [.relu, .softmax], loss: .crossEntropy, optimizer: optimizer,
      batchSize: 64, epochs: 3, seed: 1)
    if regularized {
      (configuration.dropout, configuration.l2, configuration.classWeights) = (0.5, 1e-4, .balanced)
    }
    var run = try TrainingRun<Float>(configuration: configuration, data: data)
    _ = try run.runEpoch()
    try withExtendedLifetime(data) {
      allocation_counter_start()
      _ = try run.runEpoch()
      _ = try run.runEpoch()
      allocation_counter_stop()
    }
    report(name)
  }
}
