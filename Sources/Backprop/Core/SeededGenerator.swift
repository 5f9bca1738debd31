import RealModule

/// The random-number generator behind every random choice Backprop makes: initial weights, shuffling, and
/// whatever later needs chance. Same seed, same bits, on every platform and every run.
///
/// The algorithm is fixed and written down (docs/randomness.md), so results never depend on the standard
/// library's generators or their conversions to floating point:
///
/// - **State**: xoshiro256** (Blackman and Vigna, 2018), four 64-bit words.
/// - **Seeding**: the four words are the first four outputs of SplitMix64 started at `seed`.
/// - **`next()`**: the xoshiro256** output, `rotl(s1 · 5, 7) · 9`, then the xoshiro state step.
/// - **`nextUniform()`**: the top 53 bits of `next()` times 2⁻⁵³, a `Double` in [0, 1).
/// - **`nextInt(below: n)`**: Lemire's multiply-and-reject method on `next()`, unbiased.
/// - **`nextGaussian()`**: Marsaglia's polar method on pairs of `nextUniform(in: -1, 1)`, a standard normal.
///
/// It conforms to `RandomNumberGenerator`, but Backprop itself only calls the methods above.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Hashable, Codable {
  /// The four words of xoshiro256** state. Saving and restoring them resumes the exact sequence.
  public var state: [UInt64] {
    get { [s0, s1, s2, s3] }
    set {
      precondition(newValue.count == 4 && newValue.contains { $0 != 0 }, "xoshiro256** needs 4 words, not all 0")
      (s0, s1, s2, s3) = (newValue[0], newValue[1], newValue[2], newValue[3])
    }
  }

  private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

  /// A generator whose sequence is determined by `seed` alone.
  public init(seed: UInt64) {
    var splitMix = seed
    func nextSplitMix() -> UInt64 {
      splitMix &+= 0x9E37_79B9_7F4A_7C15
      var z = splitMix
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    (s0, s1, s2, s3) = (nextSplitMix(), nextSplitMix(), nextSplitMix(), nextSplitMix())
  }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    let result = rotateLeft(s1 &* 5, by: 7) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = rotateLeft(s3, by: 45)
    return result
  }

  /// A `Double` uniformly distributed in [0, 1), on a grid of 2⁻⁵³.
  public mutating func nextUniform() -> Double {
    Double(next() >> 11) * 0x1p-53
  }

  /// A `Double` uniformly distributed in [low, high).
  public mutating func nextUniform(in low: Double, _ high: Double) -> Double {
    low + (high - low) * nextUniform()
  }

  /// A standard normal `Double` (mean 0, variance 1), by Marsaglia's polar method (Marsaglia and Bray, 1964):
  ///
  ///     repeat: u = nextUniform(in: −1, 1), v = nextUniform(in: −1, 1), s = u·u + v·v   until 0 < s < 1
  ///     return u · √(−2·log(s) / s)
  ///
  /// Each attempt uses two `next()`; an attempt is accepted with probability π/4, so a draw takes 8/π ≈ 2.55
  /// `next()` on average. The second normal of the pair, v·√(−2·log(s)/s), is discarded, so the generator's state
  /// stays its four words. Everything but `log` is exact or correctly rounded IEEE arithmetic; `log` is the
  /// platform's (through swift-numerics), so the bits can differ across platforms where their `log` differs
  /// (docs/randomness.md).
  public mutating func nextGaussian() -> Double {
    while true {
      let u = nextUniform(in: -1, 1), v = nextUniform(in: -1, 1)
      let s = u * u + v * v
      if s > 0 && s < 1 { return u * (-2 * Double.log(s) / s).squareRoot() }
    }
  }

  /// An integer uniformly distributed in 0..<n, without modulo bias (Lemire, 2019).
  public mutating func nextInt(below n: Int) -> Int {
    precondition(n > 0, "nextInt(below:) needs a positive bound")
    let bound = UInt64(n)
    var product = next().multipliedFullWidth(by: bound)
    if product.low < bound {
      let threshold = (0 &- bound) % bound
      while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
    }
    return Int(product.high)
  }

  /// Shuffles `elements` in place with the Fisher–Yates method, drawing from the end: for i = n−1 down to 1,
  /// swap element i with element `nextInt(below: i + 1)`.
  public mutating func shuffle<C: MutableCollection & RandomAccessCollection>(_ elements: inout C) {
    var i = elements.count - 1
    while i > 0 {
      let j = nextInt(below: i + 1)
      elements.swapAt(elements.index(elements.startIndex, offsetBy: i),
                      elements.index(elements.startIndex, offsetBy: j))
      i -= 1
    }
  }

  private func rotateLeft(_ x: UInt64, by k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
