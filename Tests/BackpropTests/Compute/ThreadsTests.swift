import Backprop
import BackpropTestSupport
import CBackpropKernels
import Testing

@Suite("Threads", .serialized)
struct ThreadsTests {
  /// 600 samples of 256 byte features in 10 classes: big enough that products and Adam updates are split.
  static func data() throws -> Dataset {
    try .synthetic(count: 600, features: 256, classNames: (0..<10).map(String.init), noise: 100, signal: 120, seed: 31)
  }

  @Test("training with 1 and with 2 threads ends on the same bits")
  func sameBitsForAnyThreadCount() throws {
    let configuration = TrainingConfiguration(
      sizes: [256, 512, 10], activations: [.relu, .softmax], loss: .crossEntropy,
      optimizer: OptimizerSettings(kind: .adam, learningRate: 1e-3), batchSize: 64, epochs: 2, seed: 9)
    let data = try Self.data()
    var networks: [Network<Float>] = []
    for threads in [1, 2] {
      ComputeThreads.count = threads
      var run = try TrainingRun<Float>(configuration: configuration, data: data)
      while !run.isFinished { _ = try run.runEpoch() }
      networks.append(run.network)
    }
    ComputeThreads.count = 1
    #expect(networks[0] == networks[1])
  }

  @Test("products split across threads equal the single-threaded ones, bit for bit", arguments: [
    (200, 150, 300), (130, 20, 300), (40, 200, 300), (200, 1, 300), (1, 150, 300),
  ])
  func gemmAcrossThreads(m: Int, n: Int, k: Int) {
    var g = SeededGenerator(seed: 5)
    let a = (0..<(m * k)).map { _ in Float(g.nextUniform(in: -1, 1)) }
    let b = (0..<(k * n)).map { _ in Float(g.nextUniform(in: -1, 1)) }
    var results: [[Float]] = []
    for threads in [1, 2, 3] {
      ComputeThreads.count = threads
      for (tA, tB) in [(0, 0), (1, 0), (0, 1)] {
        var c = [Float](repeating: 0, count: m * n)
        bp_sgemm(Int32(tA), Int32(tB), Int32(m), Int32(n), Int32(k), 1, a, Int32(tA == 1 ? m : k), b,
                 Int32(tB == 1 ? k : n), 0, &c, Int32(n))
        results.append(c)
      }
    }
    ComputeThreads.count = 1
    for index in 3..<results.count {
      #expect(results[index].map(\.bitPattern) == results[index % 3].map(\.bitPattern))
    }
  }
}
