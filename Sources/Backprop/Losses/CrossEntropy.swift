/// Categorical cross-entropy, C = −1/m · Σᵢ Σₖ yᵢₖ·log ŷᵢₖ, for one-hot (or probability) targets.
///
/// With a softmax output the loss is computed from the logits, log ŷₖ = zₖ − log Σⱼ e^(zⱼ) (the log-sum-exp taken
/// after subtracting the column maximum), and the output error collapses to δ = ŷ − y. With any other output
/// activation, ŷ is clamped below at ε (the scalar's machine epsilon) before the logarithm; where the clamp is
/// active the gradient is 0.
enum CrossEntropy {
  /// The term of one element, from the output ŷ.
  @inline(__always) static func cost<T: BackpropScalar>(a: T, y: T) -> T {
    y == 0 ? 0 : -y * T.log(max(a, T.ulpOfOne))
  }

  /// m·∂C/∂ŷ = −y/ŷ, 0 where ŷ is clamped.
  @inline(__always) static func outputGradient<T: BackpropScalar>(a: T, y: T) -> T {
    a >= T.ulpOfOne ? -y / a : 0
  }

  /// Σₖ −yₖ·log softmax(z)ₖ for column j of a rows × columns matrix of logits.
  @inline(__always)
  static func softmaxCost<T: BackpropScalar>(
    logits z: UnsafePointer<T>, targets y: UnsafePointer<T>, column j: Int, rows: Int, columns: Int
  ) -> T {
    var maximum = -T.infinity
    for k in 0..<rows { maximum = max(maximum, z[k * columns + j]) }
    var sum: T = 0
    for k in 0..<rows { sum += T.exp(z[k * columns + j] - maximum) }
    let logSumExp = maximum + T.log(sum)
    var cost: T = 0
    for k in 0..<rows {
      let yk = y[k * columns + j]
      if yk != 0 { cost += yk * (logSumExp - z[k * columns + j]) }
    }
    return cost
  }
}
