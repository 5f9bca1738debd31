import CBackpropKernels
import Testing

@testable import Backprop

/// The C GEMM on every instruction set this CPU has, against the plain-Swift reference in Double, and against
/// itself: every path must give the same bits.
@Suite("GEMM kernels")
struct GemmTests {
  struct Case: CustomStringConvertible, Sendable {
    var transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float, beta: Float
    var description: String { "\(transposeA ? "Aᵀ" : "A")·\(transposeB ? "Bᵀ" : "B") \(m)×\(n)×\(k) α \(alpha) β \(beta)" }
  }

  /// Edges of the 6×16 tile, of AVX-512's tiles (a strip × up to four panels, two strips × a lone panel) and of the
  /// 256-deep k-blocks, all four transpositions, and the workloads' shapes.
  static let cases: [Case] = {
    var cases: [Case] = []
    for (tA, tB) in [(false, false), (false, true), (true, false), (true, true)] {
      for (m, n, k) in [(1, 1, 1), (7, 17, 5), (13, 33, 300), (6, 16, 256), (5, 1, 784), (128, 64, 784), (10, 128, 64), (1, 128, 784), (1, 17, 300), (100, 40, 257), (24, 32, 50), (30, 50, 40), (30, 10, 300), (40, 80, 100)] {
        cases.append(Case(transposeA: tA, transposeB: tB, m: m, n: n, k: k, alpha: 1, beta: 0))
      }
    }
    cases.append(Case(transposeA: false, transposeB: true, m: 11, n: 9, k: 70, alpha: 0.25, beta: 1))
    // n = 1 takes the matrix–vector path.
    for (tA, tB) in [(false, false), (true, false), (false, true)] {
      for (m, k) in [(128, 784), (13, 7), (9, 600)] {
        cases.append(Case(transposeA: tA, transposeB: tB, m: m, n: 1, k: k, alpha: 1, beta: 0))
      }
    }
    cases.append(Case(transposeA: false, transposeB: false, m: 10, n: 1, k: 300, alpha: 0.5, beta: 0.25))
    cases.append(Case(transposeA: true, transposeB: false, m: 9, n: 20, k: 513, alpha: -0.5, beta: 0.75))
    // A narrow C from a transposed A is made as Cᵀ (C stored transposed): B.dW3's shape, k-blocks, a short strip.
    for (m, n, k) in [(256, 10, 128), (100, 7, 300), (32, 15, 20), (64, 5, 600)] {
      for tB in [false, true] { cases.append(Case(transposeA: true, transposeB: tB, m: m, n: n, k: k, alpha: 1, beta: 0)) }
    }
    cases.append(Case(transposeA: true, transposeB: true, m: 50, n: 3, k: 40, alpha: 0.5, beta: 0.75))
    return cases
  }()

  static var instructionSets: [bp_isa] {
    [BP_ISA_GENERIC, BP_ISA_AVX2, BP_ISA_AVX512].filter { $0.rawValue <= bp_isa_detected().rawValue }
  }

  /// Double products (`bp_dgemm`) do the reference's operations in its order: the same bits, for narrow products
  /// (summed in registers, four columns in a vector's lanes and the rest one by one: n = 4, 15) and wide ones
  /// (n ≥ 16, streamed along rows of B), every transposition, β ∈ {0, 1, other}.
  @Test("Double products give the reference's bits", arguments: [1, 2, 4, 15, 16, 33])
  func doubleProducts(n: Int) {
    var g = SeededGenerator(seed: UInt64(n))
    for (tA, tB) in [(false, false), (false, true), (true, false), (true, true)] {
      for (m, k) in [(1, 1), (2, 4), (7, 5), (3, 0), (9, 40)] {
        for (alpha, beta) in [(1.0, 0.0), (0.25, 1.0), (-1.5, 0.75)] {
          let aRows = tA ? k : m, lda = (tA ? m : k) + 3, bRows = tB ? n : k, ldb = (tB ? k : n) + 1, ldc = n + 2
          let a = (0..<(aRows * lda)).map { _ in g.nextUniform(in: -1, 1) }
          let b = (0..<(bRows * ldb)).map { _ in g.nextUniform(in: -1, 1) }
          // With β = 0, C holds NaN: it must not be read.
          let c0 = (0..<(m * ldc)).map { _ in beta == 0 ? Double.nan : g.nextUniform(in: -1, 1) }
          var expected = c0, out = c0
          Kernels.referenceGemm(
            transposeA: tA, transposeB: tB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta,
            c: &expected, ldc: ldc)
          bp_dgemm(tA ? 1 : 0, tB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta,
                   &out, Int32(ldc))
          let same = zip(out, expected).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
          #expect(same, "\(tA ? "Aᵀ" : "A")·\(tB ? "Bᵀ" : "B") \(m)×\(n)×\(k) α \(alpha) β \(beta)")
        }
      }
    }
  }

  @Test("matches the reference and gives the same bits on every instruction set", arguments: cases)
  func conformance(_ c: Case) {
    var g = SeededGenerator(seed: UInt64(c.m * 1000 + c.n * 10 + c.k))
    // Stored shapes, with padding beyond the used columns (leading dimension > width).
    let aRows = c.transposeA ? c.k : c.m, aColumns = c.transposeA ? c.m : c.k
    let bRows = c.transposeB ? c.n : c.k, bColumns = c.transposeB ? c.k : c.n
    let lda = aColumns + 3, ldb = c.n == 1 ? bColumns : bColumns + 1, ldc = c.n + 2
    let a = (0..<(aRows * lda)).map { _ in Float(g.nextUniform(in: -1, 1)) }
    let b = (0..<(bRows * ldb)).map { _ in Float(g.nextUniform(in: -1, 1)) }
    let c0 = (0..<(c.m * ldc)).map { _ in Float(g.nextUniform(in: -1, 1)) }

    var expected = c0.map(Double.init)
    let ad = a.map(Double.init), bd = b.map(Double.init)
    Kernels.referenceGemm(
      transposeA: c.transposeA, transposeB: c.transposeB, m: c.m, n: c.n, k: c.k, alpha: Double(c.alpha), a: ad,
      lda: lda, b: bd, ldb: ldb, beta: Double(c.beta), c: &expected, ldc: ldc)

    var results: [[Float]] = []
    for isa in Self.instructionSets {
      #expect(bp_isa_force(isa) == 1)
      var out = c0
      bp_sgemm(c.transposeA ? 1 : 0, c.transposeB ? 1 : 0, Int32(c.m), Int32(c.n), Int32(c.k), c.alpha, a, Int32(lda),
               b, Int32(ldb), c.beta, &out, Int32(ldc))
      results.append(out)
      for i in 0..<c.m {
        for j in 0..<c.n {
          let got = Double(out[i * ldc + j]), want = expected[i * ldc + j]
          // float32 inputs are exact in Double; the error is the float32 sum's: about k·ε·|terms|.
          #expect(abs(got - want) <= 1e-6 * Double(c.k + 2), "\(String(cString: bp_isa_name(isa))) C[\(i),\(j)]")
        }
        // Padding past the n used columns is never written.
        for j in c.n..<ldc { #expect(out[i * ldc + j] == c0[i * ldc + j]) }
      }
    }
    _ = bp_isa_force(bp_isa_detected())
    for other in results.dropFirst() {
      #expect(other.map(\.bitPattern) == results[0].map(\.bitPattern), "instruction sets disagree in the last bits")
    }
  }

  @Test("a narrow C from a transposed A, made as Cᵀ = op(B)ᵀ·op(A)ᵀ, has the bits of asking for Cᵀ directly")
  func narrowProductMatchesItsTranspose() {
    var g = SeededGenerator(seed: 80)
    for (m, n, k, tB) in [(256, 10, 128, false), (100, 7, 300, true), (40, 15, 64, false)] {
      let a = (0..<(k * m)).map { _ in Float(g.nextUniform(in: -1, 1)) }   // A stored k × m: op(A) = Aᵀ
      let b = (0..<(k * n)).map { _ in Float(g.nextUniform(in: -1, 1)) }   // B stored k × n, or n × k when tB
      let ldb = tB ? k : n
      for isa in Self.instructionSets {
        #expect(bp_isa_force(isa) == 1)
        var c = [Float](repeating: 0, count: m * n), ct = [Float](repeating: 0, count: n * m)
        bp_sgemm(1, tB ? 1 : 0, Int32(m), Int32(n), Int32(k), 1, a, Int32(m), b, Int32(ldb), 0, &c, Int32(n))
        // Cᵀ = op(B)ᵀ·A: n × m, wide, so made as asked.
        bp_sgemm(tB ? 0 : 1, 0, Int32(n), Int32(m), Int32(k), 1, b, Int32(ldb), a, Int32(m), 0, &ct, Int32(m))
        let transposed = (0..<(m * n)).map { ct[($0 % n) * m + $0 / n] }
        #expect(c.map(\.bitPattern) == transposed.map(\.bitPattern), "\(m)×\(n)×\(k), \(isa)")
      }
      _ = bp_isa_force(bp_isa_detected())
    }
  }

  @Test("one row of A alone gets the same bits as inside a batch: the m = 1 path keeps the GEMM's arithmetic")
  func oneRowMatchesBatch() {
    var g = SeededGenerator(seed: 78)
    for (n, k) in [(128, 784), (10, 128), (33, 300)] {
      let w = (0..<(k * n)).map { _ in Float(g.nextUniform(in: -1, 1)) }      // k × n
      let batch = (0..<(5 * k)).map { _ in Float(g.nextUniform(in: -1, 1)) }  // 5 × k, one row per sample
      let row = Array(batch[(2 * k)..<(3 * k)])
      for isa in Self.instructionSets {
        #expect(bp_isa_force(isa) == 1)
        var all = [Float](repeating: 0, count: 5 * n), one = [Float](repeating: 0, count: n)
        bp_sgemm(0, 0, 5, Int32(n), Int32(k), 1, batch, Int32(k), w, Int32(n), 0, &all, Int32(n))
        bp_sgemm(0, 0, 1, Int32(n), Int32(k), 1, row, Int32(k), w, Int32(n), 0, &one, Int32(n))
        #expect(one.map(\.bitPattern) == all[(2 * n)..<(3 * n)].map(\.bitPattern), "\(n)×\(k)")
      }
      _ = bp_isa_force(bp_isa_detected())
    }
  }

  @Test("the m = 1 path gives the same bits wherever B starts within a cache line (its chains then start masked)")
  func oneRowAtEveryAlignment() {
    var g = SeededGenerator(seed: 79)
    for (n, ldb, k) in [(128, 128, 300), (37, 48, 50), (200, 208, 20), (5, 16, 9)] {
      let w = (0..<(k * ldb)).map { _ in Float(g.nextUniform(in: -1, 1)) }   // k × n, rows ldb apart
      let row = (0..<k).map { _ in Float(g.nextUniform(in: -1, 1)) }
      #expect(bp_isa_force(BP_ISA_GENERIC) == 1)
      var expected = [Float](repeating: 0, count: n)
      bp_sgemm(0, 0, 1, Int32(n), Int32(k), 1, row, Int32(k), w, Int32(ldb), 0, &expected, Int32(n))
      let buffer = UnsafeMutableRawPointer.allocate(byteCount: (k * ldb + 16) * 4, alignment: 64)
      defer { buffer.deallocate() }
      for offset in 0..<16 {
        let b = buffer.bindMemory(to: Float.self, capacity: k * ldb + 16) + offset
        b.update(from: w, count: k * ldb)
        for isa in Self.instructionSets {
          #expect(bp_isa_force(isa) == 1)
          var one = [Float](repeating: 0, count: n)
          bp_sgemm(0, 0, 1, Int32(n), Int32(k), 1, row, Int32(k), b, Int32(ldb), 0, &one, Int32(n))
          #expect(one.map(\.bitPattern) == expected.map(\.bitPattern), "\(n)×\(k), offset \(offset), \(isa)")
        }
      }
      _ = bp_isa_force(bp_isa_detected())
    }
  }

  @Test("a sample alone gets the same bits as inside a batch: the n = 1 path keeps the GEMM's arithmetic")
  func oneColumnMatchesBatch() {
    var g = SeededGenerator(seed: 77)
    for (m, k) in [(128, 784), (10, 128), (7, 300)] {
      let w = (0..<(m * k)).map { _ in Float(g.nextUniform(in: -1, 1)) }
      let batch = (0..<(k * 5)).map { _ in Float(g.nextUniform(in: -1, 1)) }   // k × 5, one column per sample
      let column = (0..<k).map { batch[$0 * 5 + 2] }
      for isa in Self.instructionSets {
        #expect(bp_isa_force(isa) == 1)
        var all = [Float](repeating: 0, count: m * 5), one = [Float](repeating: 0, count: m)
        bp_sgemm(0, 0, Int32(m), 5, Int32(k), 1, w, Int32(k), batch, 5, 0, &all, 5)
        bp_sgemm(0, 0, Int32(m), 1, Int32(k), 1, w, Int32(k), column, 1, 0, &one, 1)
        #expect(one.map(\.bitPattern) == (0..<m).map { all[$0 * 5 + 2].bitPattern }, "\(m)×\(k)")
      }
      _ = bp_isa_force(bp_isa_detected())
    }
  }

  @Test("skipping zero inputs gives the dense product's bits, on every instruction set and with β ≠ 0")
  func sparseColumnMatchesDense() {
    var g = SeededGenerator(seed: 78)
    for (m, k, beta) in [(128, 784, Float(0)), (10, 128, 0), (150, 300, 0.5), (3, 5, 0)] {
      let wt = (0..<(k * m)).map { _ in Float(g.nextUniform(in: -1, 1)) }   // W stored transposed: k × m
      let x = (0..<k).map { _ in g.nextUniform() < 0.8 ? Float(0) : Float(g.nextUniform(in: -1, 1)) }
      let start = (0..<m).map { _ in Float(g.nextUniform(in: -1, 1)) }
      for isa in Self.instructionSets {
        #expect(bp_isa_force(isa) == 1)
        var dense = start, sparse = start
        bp_sgemm(1, 0, Int32(m), 1, Int32(k), 1, wt, Int32(m), x, 1, beta, &dense, 1)
        bp_sgemv_t_sparse_x(Int32(m), Int32(k), 1, wt, Int32(m), x, beta, &sparse, 1)
        #expect(sparse.map(\.bitPattern) == dense.map(\.bitPattern), "\(m)×\(k) β \(beta)")
      }
      _ = bp_isa_force(bp_isa_detected())
    }
  }

  /// B with zero k-rows: some zero across every column, others only within one 16-column panel, some −0.
  static func sparseB(rows: Int, columns: Int, using g: inout SeededGenerator, byColumn: Bool) -> [Float] {
    // op(B) is k × n; stored transposed when `byColumn`, so its k-rows are the stored columns.
    let k = byColumn ? columns : rows, n = byColumn ? rows : columns
    var b = [Float](repeating: 0, count: rows * columns)
    for p in 0..<k {
      let pattern = g.nextUniform()
      for j in 0..<n {
        let zero = pattern < 0.3 || (pattern < 0.6 && j / 16 % 2 == 0) || g.nextUniform() < 0.3
        let value = zero ? (g.nextUniform() < 0.2 ? -Float(0) : 0) : Float(g.nextUniform(in: -1, 1))
        b[byColumn ? j * columns + p : p * columns + j] = value
      }
    }
    return b
  }

  @Test("skipping B's zero k-rows gives the dense product's bits, on every instruction set", arguments: cases.filter { $0.n > 1 && $0.m > 1 })
  func zeroRowsSkipped(_ c: Case) {
    var g = SeededGenerator(seed: UInt64(c.m * 1000 + c.n * 10 + c.k) + 5)
    let aRows = c.transposeA ? c.k : c.m, aColumns = c.transposeA ? c.m : c.k
    let bRows = c.transposeB ? c.n : c.k, bColumns = c.transposeB ? c.k : c.n
    let a = (0..<(aRows * aColumns)).map { _ in Float(g.nextUniform(in: -1, 1)) }
    let b = Self.sparseB(rows: bRows, columns: bColumns, using: &g, byColumn: c.transposeB)
    let c0 = (0..<(c.m * c.n)).map { _ in Float(g.nextUniform(in: -1, 1)) }
    var expected = c0.map(Double.init)
    Kernels.referenceGemm(
      transposeA: c.transposeA, transposeB: c.transposeB, m: c.m, n: c.n, k: c.k, alpha: Double(c.alpha),
      a: a.map(Double.init), lda: aColumns, b: b.map(Double.init), ldb: bColumns, beta: Double(c.beta), c: &expected,
      ldc: c.n)
    for isa in Self.instructionSets {
      #expect(bp_isa_force(isa) == 1)
      var results: [[Float]] = []
      for skipping in [true, false] {
        bp_sgemm_skip_zero_rows(skipping ? 1 : 0)
        var out = c0
        bp_sgemm(c.transposeA ? 1 : 0, c.transposeB ? 1 : 0, Int32(c.m), Int32(c.n), Int32(c.k), c.alpha, a,
                 Int32(aColumns), b, Int32(bColumns), c.beta, &out, Int32(c.n))
        results.append(out)
      }
      bp_sgemm_skip_zero_rows(1)
      #expect(results[0].map(\.bitPattern) == results[1].map(\.bitPattern), "\(String(cString: bp_isa_name(isa)))")
      for (got, want) in zip(results[0], expected) { #expect(abs(Double(got) - want) <= 1e-6 * Double(c.k + 2)) }
    }
    _ = bp_isa_force(bp_isa_detected())
  }

  /// Strips of 6 rows: the first (row 3) next to a finite one, the third and fourth (rows 14 and 20) both not finite,
  /// the fifth and sixth finite; a k-row zero in one panel only, which AVX-512's groups of panels mask.
  @Test("an Inf or NaN in A next to B's zero rows still makes NaN: strips of A that are not finite do not skip")
  func nonFiniteAIsNotSkipped() {
    var g = SeededGenerator(seed: 91)
    let m = 38, n = 40, k = 300
    var a = (0..<(m * k)).map { _ in Float(g.nextUniform(in: -1, 1)) }
    var b = (0..<(k * n)).map { _ in Float(g.nextUniform(in: -1, 1)) }
    for j in 0..<n { b[7 * n + j] = 0; b[290 * n + j] = 0 }  // k-rows 7 (first k-block) and 290 (second) are zero
    for j in 0..<16 { b[100 * n + j] = 0 }  // k-row 100 is zero in the first panel only
    a[3 * k + 7] = .infinity        // row 3 (first strip) meets the zero row 7: 0·∞ = NaN across row 3
    a[14 * k + 290] = .nan          // row 14 (third strip) meets the zero row 290
    a[20 * k + 100] = .infinity     // row 20 (fourth strip) meets k-row 100's zeros: NaN in the first panel only
    for isa in Self.instructionSets {
      #expect(bp_isa_force(isa) == 1)
      var skipped = [Float](repeating: 0, count: m * n), dense = skipped
      bp_sgemm(0, 0, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n), 0, &skipped, Int32(n))
      bp_sgemm_skip_zero_rows(0)
      bp_sgemm(0, 0, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n), 0, &dense, Int32(n))
      bp_sgemm_skip_zero_rows(1)
      for i in 0..<m {
        for j in 0..<n {
          #expect(skipped[i * n + j].isNaN == (i == 3 || i == 14 || (i == 20 && j < 16)), "C[\(i),\(j)]")
          #expect(skipped[i * n + j].isNaN == dense[i * n + j].isNaN)
          if !dense[i * n + j].isNaN { #expect(skipped[i * n + j].bitPattern == dense[i * n + j].bitPattern) }
        }
      }
    }
    _ = bp_isa_force(bp_isa_detected())
  }

  @Test("predict, which promises the kernels a finite W, still makes NaN from an infinite weight on an input always 0")
  func infiniteWeightOnZeroInput() throws {
    // Bytes with feature 0 always 0: every product skips that row of X, which is exact only for a finite W; predict
    // checks W once and must not promise it finite here.
    var g = SeededGenerator(seed: 13)
    let (count, features) = (40, 64)
    let bytes = (0..<(count * features)).map {
      $0 % features == 0 || g.nextUniform() < 0.6 ? UInt8(0) : UInt8(g.nextInt(below: 256))
    }
    let data = try Dataset(
      features: .bytes(bytes), count: count, featureCount: features, labels: (0..<count).map { $0 % 3 },
      classNames: ["a", "b", "c"], source: "bytes")
    var network = try Network<Float>(
      sizes: [features, 20, 3], activations: [.relu, .softmax], loss: .crossEntropy, using: &g)
    network.layers[0].weights[5, 0] = .infinity  // (the public API refuses it: only a bug could put it there)
    for batch in [1, 16, 40] {
      let outputs = try network.predict(data, batchSize: batch)
      // Unit 5 of layer 1 is NaN for every sample, so every output of the softmax is.
      #expect(outputs.scalars.allSatisfy { $0.isNaN }, "batch \(batch)")
    }
  }

  @Test("products packed straight from bytes (X and Xᵀ) equal gathering X and multiplying, bit for bit, on every path")
  func productFromBytes() {
    var g = SeededGenerator(seed: 93)
    for (rows, samples, features) in [(40, 37, 300), (7, 16, 784), (13, 100, 5), (20, 64, 40)] {
      let bytes = (0..<(samples * features + 50)).map { _ in g.nextUniform() < 0.7 ? UInt8(0) : UInt8(g.nextInt(below: 256)) }
      let offsets = (0..<samples).map { ($0 * 7919) % samples * features }  // out of order, as in a shuffled batch
      let w = (0..<(rows * features)).map { _ in Float(g.nextUniform(in: -1, 1)) }       // rows × features
      let delta = (0..<(rows * samples)).map { _ in Float(g.nextUniform(in: -1, 1)) }  // rows × samples
      for isa in Self.instructionSets {
        #expect(bp_isa_force(isa) == 1)
        let name = "\(rows)×\(samples)×\(features) \(String(cString: bp_isa_name(isa)))"
        var x = [Float](repeating: 0, count: features * samples)  // features × samples, as the gather writes it
        bp_gather_bytes(bytes, offsets, Int32(samples), Int32(features), 255, &x, Int32(samples))
        // Z = W·X (rows × samples)
        var z = [Float](repeating: 0, count: rows * samples), zBytes = [Float](repeating: .nan, count: rows * samples)
        bp_sgemm(0, 0, Int32(rows), Int32(samples), Int32(features), 1, w, Int32(features), x, Int32(samples), 0, &z,
                 Int32(samples))
        bp_sgemm_bytes(0, Int32(rows), Int32(samples), Int32(features), 1, w, Int32(features), bytes, offsets, 255, 0,
                       &zBytes, Int32(samples), 0)
        #expect(zBytes.map(\.bitPattern) == z.map(\.bitPattern), "X \(name)")
        // W promised finite (it is): its strips are not checked, and nothing changes.
        var zPromised = [Float](repeating: .nan, count: rows * samples)
        bp_sgemm_bytes(0, Int32(rows), Int32(samples), Int32(features), 1, w, Int32(features), bytes, offsets, 255, 0,
                       &zPromised, Int32(samples), 1)
        #expect(zPromised.map(\.bitPattern) == z.map(\.bitPattern), "X, W promised finite, \(name)")
        // dW = α·δ·Xᵀ (rows × features)
        var dW = [Float](repeating: 0, count: rows * features), dWBytes = [Float](repeating: .nan, count: rows * features)
        bp_sgemm(0, 1, Int32(rows), Int32(features), Int32(samples), 0.25, delta, Int32(samples), x, Int32(samples), 0,
                 &dW, Int32(features))
        bp_sgemm_bytes(1, Int32(rows), Int32(features), Int32(samples), 0.25, delta, Int32(samples), bytes, offsets, 255,
                       0, &dWBytes, Int32(features), 0)
        #expect(dWBytes.map(\.bitPattern) == dW.map(\.bitPattern), "Xᵀ \(name)")
      }
      _ = bp_isa_force(bp_isa_detected())
    }
  }

  @Test("an empty product: k = 0 leaves C = β·C, no rows or no columns write nothing (bp_sgemm and bp_sgemm_bytes)")
  func emptyProducts() {
    let a: [Float] = [1, 2, 3, 4], bytes: [UInt8] = [9, 9, 9, 9], offsets = [0, 2]
    for beta: Float in [0, 0.5] {
      var c: [Float] = [2, -4, 6, .nan], d = c
      bp_sgemm(0, 0, 2, 2, 0, 1, a, 1, a, 2, beta, &c, 2)
      bp_sgemm_bytes(0, 2, 2, 0, 1, a, 1, bytes, offsets, 255, beta, &d, 2, 0)
      let expected: [Float] = beta == 0 ? [0, 0, 0, 0] : [1, -2, 3, .nan]
      for (got, want) in zip(c + d, expected + expected) { #expect(got == want || (got.isNaN && want.isNaN)) }
    }
    var untouched: [Float] = [7, 7, 7, 7]
    bp_sgemm(0, 0, 0, 2, 2, 1, a, 2, a, 2, 0, &untouched, 2)
    bp_sgemm(0, 0, 2, 0, 2, 1, a, 2, a, 2, 0, &untouched, 2)
    bp_sgemm_bytes(1, 2, 0, 2, 1, a, 2, bytes, offsets, 255, 0, &untouched, 2, 0)
    #expect(untouched == [7, 7, 7, 7])
  }
}
