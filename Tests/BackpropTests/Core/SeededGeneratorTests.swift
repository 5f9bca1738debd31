import Backprop
import Testing

@Suite("Seeded generator")
struct SeededGeneratorTests {
  @Test("the same seed gives the same sequence; another seed another")
  func repeatable() {
    var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
    let first = (0..<100).map { _ in a.next() }
    #expect(first == (0..<100).map { _ in b.next() })
    #expect(first != (0..<100).map { _ in c.next() })
  }

  @Test("saved state resumes the exact sequence")
  func resume() {
    var a = SeededGenerator(seed: 5)
    for _ in 0..<10 { _ = a.next() }
    var b = SeededGenerator(seed: 0)
    b.state = a.state
    #expect((0..<10).map { _ in a.next() } == (0..<10).map { _ in b.next() })
  }

  @Test("uniform values lie in [0, 1) with mean ½ and variance 1/12")
  func uniformMoments() {
    var g = SeededGenerator(seed: 1)
    let u = (0..<100_000).map { _ in g.nextUniform() }
    #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
    let mean = u.reduce(0, +) / Double(u.count)
    let variance = u.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(u.count)
    // Standard errors: 0.29/√n ≈ 0.0009 for the mean, ≈ 0.0003 for the variance.
    #expect(abs(mean - 0.5) < 0.005)
    #expect(abs(variance - 1.0 / 12) < 0.002)
  }

  @Test("nextInt(below:) covers its range evenly")
  func integers() {
    var g = SeededGenerator(seed: 3)
    var counts = [Int](repeating: 0, count: 7)
    for _ in 0..<70_000 { counts[g.nextInt(below: 7)] += 1 }
    // Each count is Binomial(70000, 1/7): mean 10000, standard deviation ≈ 93.
    #expect(counts.allSatisfy { abs($0 - 10_000) < 500 }, "\(counts)")
  }

  @Test("shuffle is a permutation and repeatable")
  func shuffle() {
    var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9)
    var x = Array(0..<50), y = Array(0..<50)
    a.shuffle(&x)
    b.shuffle(&y)
    #expect(x == y)
    #expect(x.sorted() == Array(0..<50))
    #expect(x != Array(0..<50))
  }
}
