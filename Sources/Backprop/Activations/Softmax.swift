/// The softmax over each column (each sample): aₖ = e^(zₖ) / Σⱼ e^(zⱼ).
///
/// Unlike the other activations it mixes the units of a sample, so its derivative is a Jacobian, not a number
/// per unit: ∂aₖ/∂zⱼ = aₖ·([k = j] − aⱼ). The backward pass never forms that matrix; it applies it to the
/// incoming dA directly (a Jacobian–vector product):
///
///     dZₖ = aₖ · (dAₖ − Σⱼ dAⱼ·aⱼ)
///
/// So softmax works with any cost. With cross-entropy the product collapses to dZ = A − Y, and the loss takes that
/// fused path instead.
enum Softmax {
  /// A[:, j] = softmax(Z[:, j]) for every column; the column maximum is subtracted first, so e^z cannot overflow.
  @inline(__always)
  static func apply<T: BackpropScalar>(_ z: UnsafePointer<T>, _ a: UnsafeMutablePointer<T>, rows: Int, columns: Int) {
    for j in 0..<columns {
      var maximum = -T.infinity
      for k in 0..<rows { maximum = max(maximum, z[k * columns + j]) }
      var sum: T = 0
      for k in 0..<rows {
        let e = T.exp(z[k * columns + j] - maximum)
        a[k * columns + j] = e
        sum += e
      }
      for k in 0..<rows { a[k * columns + j] /= sum }
    }
  }

  /// Turns dA into dZ in place, one column at a time: dZₖ = aₖ·(dAₖ − Σⱼ dAⱼ·aⱼ).
  @inline(__always)
  static func backward<T: BackpropScalar>(a: UnsafePointer<T>, _ d: UnsafeMutablePointer<T>, rows: Int, columns: Int) {
    for j in 0..<columns {
      var dot: T = 0
      for k in 0..<rows { dot += d[k * columns + j] * a[k * columns + j] }
      for k in 0..<rows { d[k * columns + j] = a[k * columns + j] * (d[k * columns + j] - dot) }
    }
  }
}
