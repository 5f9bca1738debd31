import Backprop
import Testing

@Suite("Seeded generator")
struct SeededGeneratorTests {
  /// Known answers from `Fixtures/xoshiro_reference.py`, an independent Python implementation of SplitMix64
  /// seeding and xoshiro256** as published by Blackman and Vigna.
  @Test("known answers of SplitMix64 + xoshiro256**")
  func knownAnswers() {
    var zero = SeededGenerator(seed: 0)
    #expect(zero.state == [0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f, 0xf88bb8a8724c81ec])
    #expect((0..<5).map { _ in zero.next() } == [
      0x99ec5f36cb75f2b4, 0xbf6e1f784956452a, 0x1a5f849d4933e6e0, 0x6aa594f1262d2d2c, 0xbba5ad4a1f842e59,
    ])
    var fortyTwo = SeededGenerator(seed: 42)
    #expect((0..<5).map { _ in fortyTwo.next() } == [
      1_546_998_764_402_558_742, 6_990_951_692_964_543_102, 12_544_586_762_248_559_009,
      17_057_574_109_182_124_193, 18_295_552_978_065_317_476,
    ])
    var uniform = SeededGenerator(seed: 42)
    #expect((0..<3).map { _ in uniform.nextUniform() } == [0.08386297105988216, 0.3789802506626686, 0.6800434110281394])
    var integers = SeededGenerator(seed: 7)
    #expect((0..<10).map { _ in integers.nextInt(below: 10) } == [7, 2, 8, 9, 9, 8, 0, 1, 4, 1])
    var shuffler = SeededGenerator(seed: 9)
    var x = Array(0..<10)
    shuffler.shuffle(&x)
    #expect(x == [4, 9, 7, 8, 3, 6, 5, 1, 2, 0])
  }

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
