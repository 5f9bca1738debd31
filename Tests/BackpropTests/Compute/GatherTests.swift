import CBackpropKernels
import Testing

@testable import Backprop

/// The C batch gather against the definition, x[k, j] = Float(byte) / 255, on every instruction set.
@Suite("Batch gather")
struct GatherTests {
  @Test("samples become columns of exact quotients b/255, the same bits on every path", arguments: [
    (1, 1), (8, 8), (9, 17), (64, 784), (13, 5),
  ])
  func gather(m: Int, features: Int) {
    var g = SeededGenerator(seed: UInt64(m * 1000 + features))
    let count = m + 3
    let bytes = (0..<(count * features)).map { _ in UInt8(g.nextInt(below: 256)) }
    // Samples in a shuffled order, each repeated sample allowed, as a batch of an epoch would pick them.
    let picks = (0..<m).map { _ in g.nextInt(below: count) }
    let offsets = picks.map { $0 * features }
    let ldx = m + 2
    for isa in GemmTests.instructionSets {
      #expect(bp_isa_force(isa) == 1)
      var x = [Float](repeating: -1, count: features * ldx)
      bp_gather_bytes(bytes, offsets, Int32(m), Int32(features), 255, &x, Int32(ldx))
      for k in 0..<features {
        for j in 0..<m {
          let want = Float(bytes[picks[j] * features + k]) / 255
          #expect(x[k * ldx + j].bitPattern == want.bitPattern, "\(String(cString: bp_isa_name(isa))) x[\(k), \(j)]")
        }
        for j in m..<ldx { #expect(x[k * ldx + j] == -1, "padding is never written") }
      }
    }
    _ = bp_isa_force(bp_isa_detected())
  }

  @Test("every byte value gives the IEEE quotient b/d in the gather and in products packed from bytes, for any d",
        arguments: [Float(255), 1, 3, 7, 1000.5, 0.1, 65535])
  func everyByteValue(divisor: Float) {
    // 16 samples of 256 bytes; sample j holds every value once, rotated by 16·j.
    let (m, features) = (16, 256)
    let bytes = (0..<(m * features)).map { UInt8((($0 % features) + 16 * ($0 / features)) % 256) }
    let offsets = (0..<m).map { $0 * features }
    func want(_ sample: Int, _ k: Int) -> UInt32 { (Float(bytes[sample * features + k]) / divisor).bitPattern }
    func identity(_ n: Int) -> [Float] { (0..<(n * n)).map { $0 / n == $0 % n ? 1 : 0 } }
    for isa in GemmTests.instructionSets {
      #expect(bp_isa_force(isa) == 1)
      let name = String(cString: bp_isa_name(isa))
      var x = [Float](repeating: 0, count: features * m)
      bp_gather_bytes(bytes, offsets, Int32(m), Int32(features), divisor, &x, Int32(m))
      // I·X and I·Xᵀ: every sum is 1·x plus zeros, so C holds the packed values themselves.
      var c = [Float](repeating: 0, count: features * m), ct = [Float](repeating: 0, count: m * features)
      bp_sgemm_bytes(0, Int32(features), Int32(m), Int32(features), 1, identity(features), Int32(features), bytes,
                     offsets, divisor, 0, &c, Int32(m), 0)
      bp_sgemm_bytes(1, Int32(m), Int32(features), Int32(m), 1, identity(m), Int32(m), bytes, offsets, divisor, 0, &ct,
                     Int32(features), 0)
      for k in 0..<features {
        for j in 0..<m {
          #expect(x[k * m + j].bitPattern == want(j, k), "\(name) gather x[\(k), \(j)] / \(divisor)")
          #expect(c[k * m + j].bitPattern == want(j, k), "\(name) X[\(k), \(j)] / \(divisor)")
          #expect(ct[j * features + k].bitPattern == want(j, k), "\(name) Xᵀ[\(j), \(k)] / \(divisor)")
        }
      }
    }
    _ = bp_isa_force(bp_isa_detected())
  }
}
