import BackpropTestSupport
import Testing

@testable import Backprop

/// The optional BLAS backends: OpenBLAS's products against the Double reference and a training step against the
/// native kernels where OpenBLAS loads, and the documented errors where it (or Accelerate) does not.
///
/// The products under test run with OpenBLAS selected on the test's own thread only
/// (`ComputeBackend.withSelected(_:onThisThread:)`), so that tests running beside them, which may expect the
/// native kernels' exact bits, are not disturbed.
@Suite("Compute backends")
struct BackendTests {
  /// Whether OpenBLAS loads on this machine (`apt-get install libopenblas0-pthread`).
  static let openBLASLoads = ComputeBackend.openblas.isAvailable

  @Test("native is always available, is the process-wide default, and names its instruction set")
  func native() throws {
    #expect(ComputeBackend.available.first == .native)
    #expect(ComputeBackend.native.isAvailable)
    #expect(ComputeBackend.current == .native)
    #expect(ComputeBackend.native.description == "native (\(ComputeThreads.instructionSet))")
    #expect(ComputeBackend.native.libraryNames.isEmpty)
    #expect(ComputeBackend.available.contains(.openblas) == Self.openBLASLoads)
    #expect(try ComputeBackend.withSelected(.native, onThisThread: { ComputeBackend.current }) == .native)
  }

  @Test("a library that is not there is not loaded, and the error names every file tried")
  func missingLibraryError() {
    let names = ["/nonexistent/libopenblas.so.0", "libbackprop-no-such-blas.so"]
    #expect(BLASLibrary(names: names, plainName: "OpenBLAS") == nil)
    let error = ComputeBackendError.libraryNotFound(backend: .openblas, tried: names)
    #expect(
      error.description == "openblas: could not load OpenBLAS (tried /nonexistent/libopenblas.so.0, "
        + "libbackprop-no-such-blas.so); install it (Debian and Ubuntu: apt-get install libopenblas0-pthread; "
        + "macOS: brew install openblas)")
  }

  @Test("without OpenBLAS, selecting it throws libraryNotFound with the names tried and changes nothing",
        .enabled(if: !openBLASLoads))
  func openBLASMissing() {
    let expected = ComputeBackendError.libraryNotFound(backend: .openblas, tried: ComputeBackend.openblas.libraryNames)
    #expect(throws: expected) { try ComputeBackend.select(.openblas) }
    #expect(throws: expected) { try ComputeBackend.withSelected(.openblas, onThisThread: {}) }
    #expect(ComputeBackend.current == .native)
    #expect(ComputeBackend.openblas.description == "OpenBLAS (not found)")
  }

  #if !canImport(Darwin)
    @Test("Accelerate: selecting it elsewhere than on Apple platforms throws unsupportedPlatform")
    func acceleratePlatform() {
      #expect(throws: ComputeBackendError.unsupportedPlatform(backend: .accelerate)) {
        try ComputeBackend.select(.accelerate)
      }
      #expect(!ComputeBackend.accelerate.isAvailable)
      #expect(ComputeBackend.current == .native)
      #expect(
        ComputeBackendError.unsupportedPlatform(backend: .accelerate).description
          == "accelerate: Accelerate exists only on Apple platforms")
    }
  #endif

  @Test("OpenBLAS describes itself with its version and core, and is selected only on this thread",
        .enabled(if: openBLASLoads))
  func openBLASDescription() throws {
    #expect(ComputeBackend.openblas.description.hasPrefix("OpenBLAS 0."))
    let inside = try ComputeBackend.withSelected(.openblas, onThisThread: { ComputeBackend.current })
    #expect(inside == .openblas)
    #expect(ComputeBackend.current == .native)
  }

  // MARK: Products

  typealias Case = GemmTests.Case

  /// All four transpositions with α 1 / β 0 (C full of NaN: it must not be read), α −0.5 / β 1 and α 0.25 /
  /// β 0.75, at small and odd sizes, one column, and the MNIST workloads' shapes.
  static let cases: [Case] = {
    var cases: [Case] = []
    for (tA, tB) in [(false, false), (false, true), (true, false), (true, true)] {
      for (alpha, beta): (Float, Float) in [(1, 0), (-0.5, 1), (0.25, 0.75)] {
        for (m, n, k) in [(1, 1, 1), (7, 17, 5), (13, 33, 300), (10, 1, 128)] {
          cases.append(Case(transposeA: tA, transposeB: tB, m: m, n: n, k: k, alpha: alpha, beta: beta))
        }
      }
      cases.append(Case(transposeA: tA, transposeB: tB, m: 128, n: 64, k: 784, alpha: 1, beta: 0))
    }
    return cases
  }()

  @Test("OpenBLAS products match the Double reference", .enabled(if: openBLASLoads), arguments: cases)
  func openBLASProducts(_ c: Case) throws {
    var g = SeededGenerator(seed: UInt64(c.m * 1000 + c.n * 10 + c.k))
    // Stored shapes, with padding beyond the used columns (leading dimension > width).
    let aRows = c.transposeA ? c.k : c.m, aColumns = c.transposeA ? c.m : c.k
    let bRows = c.transposeB ? c.n : c.k, bColumns = c.transposeB ? c.k : c.n
    let lda = aColumns + 3, ldb = bColumns + 1, ldc = c.n + 2
    let a = (0..<(aRows * lda)).map { _ in Float(g.nextUniform(in: -1, 1)) }
    let b = (0..<(bRows * ldb)).map { _ in Float(g.nextUniform(in: -1, 1)) }
    var c0 = (0..<(c.m * ldc)).map { _ in Float(g.nextUniform(in: -1, 1)) }
    if c.beta == 0 {
      for i in 0..<c.m { for j in 0..<c.n { c0[i * ldc + j] = .nan } }
    }

    var expected = c0.map(Double.init)
    let ad = a.map(Double.init), bd = b.map(Double.init)
    Kernels.referenceGemm(
      transposeA: c.transposeA, transposeB: c.transposeB, m: c.m, n: c.n, k: c.k, alpha: Double(c.alpha), a: ad,
      lda: lda, b: bd, ldb: ldb, beta: Double(c.beta), c: &expected, ldc: ldc)
    // The same sum of absolute values bounds the rounding error of any summation order: k + 2 roundings of
    // Float's unit roundoff (6e-8), doubled for safety.
    var magnitude = c0.map { c.beta == 0 ? 0 : abs(Double(c.beta) * Double($0)) }
    Kernels.referenceGemm(
      transposeA: c.transposeA, transposeB: c.transposeB, m: c.m, n: c.n, k: c.k, alpha: abs(Double(c.alpha)),
      a: ad.map(abs), lda: lda, b: bd.map(abs), ldb: ldb, beta: 1, c: &magnitude, ldc: ldc)

    var out = c0
    try ComputeBackend.withSelected(.openblas, onThisThread: {
      #expect(ComputeBackend.current == .openblas)
      Kernels.gemm(
        transposeA: c.transposeA, transposeB: c.transposeB, m: c.m, n: c.n, k: c.k, alpha: c.alpha, a: a, lda: lda,
        b: b, ldb: ldb, beta: c.beta, c: &out, ldc: ldc)
    })

    for i in 0..<c.m {
      for j in 0..<c.n {
        let index = i * ldc + j
        let error = abs(Double(out[index]) - expected[index])
        #expect(error <= 1.2e-7 * Double(c.k + 2) * magnitude[index], "C[\(i),\(j)] = \(out[index]), want \(expected[index])")
      }
      // Padding past the n used columns is never written.
      for j in c.n..<ldc { #expect(out[i * ldc + j] == c0[i * ldc + j]) }
    }
  }

  // MARK: Training

  @Test("a training step with OpenBLAS ends near the native one", .enabled(if: openBLASLoads))
  func trainingStep() throws {
    var generator = SeededGenerator(seed: 12)
    let start = try Network<Float>(
      sizes: [40, 64, 32, 10], activations: [.relu, .tanh, .softmax], loss: .crossEntropy, using: &generator)
    let x = try Matrix<Float>(rows: (0..<40).map { _ in (0..<50).map { _ in Float(generator.nextUniform(in: 0, 1)) } })
    let labels = (0..<50).map { _ in generator.nextInt(below: 10) }
    let y = try Matrix<Float>(rows: (0..<10).map { r in labels.map { $0 == r ? Float(1) : 0 } })

    func train() throws -> (Network<Float>, [Float]) {
      var network = start
      var trainer = Trainer<Float>(optimizer: try GradientDescent(learningRate: 0.5))
      var costs: [Float] = []
      for _ in 0..<3 { costs.append(try trainer.step(&network, inputs: x, targets: y)) }
      return (network, costs)
    }
    let (native, nativeCosts) = try train()
    let (blas, blasCosts) = try ComputeBackend.withSelected(.openblas, onThisThread: train)

    for (a, b) in zip(nativeCosts, blasCosts) { #expect(abs(a - b) <= 1e-5 * max(1, abs(a)), "costs \(a) and \(b)") }
    #expect(nativeCosts.last! < nativeCosts.first!, "the steps learn")
    for (layer, (p, q)) in zip(native.layers, blas.layers).enumerated() {
      let moved = zip(p.weights.scalars, start.layers[layer].weights.scalars).map { abs($0 - $1) }.max()!
      let apart = zip(p.weights.scalars, q.weights.scalars).map { abs($0 - $1) }.max()!
      let biasApart = zip(p.biases, q.biases).map { abs($0 - $1) }.max()!
      // Gradient descent moves the weights by η times the gradients; the backends' gradients differ by rounding.
      #expect(apart <= 1e-3 * moved, "layer \(layer + 1): weights \(apart) apart, moved \(moved)")
      #expect(biasApart <= 1e-3 * moved, "layer \(layer + 1): biases \(biasApart) apart")
    }
  }
}
