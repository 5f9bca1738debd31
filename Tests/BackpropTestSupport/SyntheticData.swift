import Backprop

extension Dataset {
  /// A seeded classification problem of byte features: each sample draws its class, then each feature
  /// k from 0..<noise, plus `signal` when k mod classes is the class. Same seed, same samples.
  public static func synthetic(
    count: Int, features: Int, classNames: [String], noise: Int, signal: Int, seed: UInt64
  ) throws -> Dataset {
    var g = SeededGenerator(seed: seed)
    var bytes: [UInt8] = [], labels: [Int] = []
    for _ in 0..<count {
      let label = g.nextInt(below: classNames.count)
      labels.append(label)
      for k in 0..<features {
        bytes.append(UInt8(min(255, g.nextInt(below: noise) + (k % classNames.count == label ? signal : 0))))
      }
    }
    return try Dataset(features: .bytes(bytes), count: count, featureCount: features, labels: labels,
                       classNames: classNames, source: "synthetic")
  }
}
