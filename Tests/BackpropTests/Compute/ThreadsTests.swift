import Backprop
import BackpropTestSupport
import CBackpropKernels
import Testing

@Suite("Threads", .serialized)
struct ThreadsTests {
  /// 600 samples of 256 byte features in 10 classes: big enough that products and Adam updates are split. Sparse
  /// as an image is (a border of features always 0, the others 0 six times in ten), so that the products skip B's
  /// zero rows, and unevenly, so that the column chunks of dW = δ·Xᵀ take the threads unequal times.
  static func data() throws -> Dataset {
    var g = SeededGenerator(seed: 31)
    var bytes: [UInt8] = [], labels: [Int] = []
    for _ in 0..<600 {
      let label = g.nextInt(below: 10)
      labels.append(label)
      for k in 0..<256 {
        let border = k < 48 || k >= 224, signal = k % 10 == label
        bytes.append(border || (!signal && g.nextUniform() < 0.6) ? 0 : UInt8(g.nextInt(below: 100) + (signal ? 120 : 0)))
      }
    }
    return try Dataset(features: .bytes(bytes), count: 600, featureCount: 256, labels: labels,
                       classNames: (0..<10).map(String.init), source: "sparse synthetic")
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
    (200, 150, 300, false), (130, 20, 300, false), (40, 200, 300, false), (200, 1, 300, false), (1, 150, 300, false),
    (200, 150, 300, true), (40, 500, 300, true),  // B with zero rows: split by rows, then by column chunks
  ])
  func gemmAcrossThreads(m: Int, n: Int, k: Int, sparse: Bool) {
    var g = SeededGenerator(seed: 5)
    let a = (0..<(m * k)).map { _ in Float(g.nextUniform(in: -1, 1)) }
    let b = sparse
      ? GemmTests.sparseB(rows: k, columns: n, using: &g, byColumn: false)
      : (0..<(k * n)).map { _ in Float(g.nextUniform(in: -1, 1)) }
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
