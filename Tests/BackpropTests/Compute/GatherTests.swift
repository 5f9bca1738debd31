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
}
