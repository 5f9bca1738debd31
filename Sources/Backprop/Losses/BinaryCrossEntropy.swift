/// Binary cross-entropy, C = −1/m · Σ [y·log ŷ + (1 − y)·log(1 − ŷ)] (seed 004), summed over every output unit.
///
/// With a sigmoid output the loss is computed from the logits z instead, in the stable form
/// max(z, 0) − z·y + log(1 + e^(−|z|)), and the output error collapses to δ = ŷ − y: no log(0), no NaN, however
/// saturated the output. With any other output activation, ŷ is clamped to [ε, 1 − ε] (ε = the scalar's
/// machine epsilon) before the logarithms, so the cost stays finite; where the clamp is active the gradient is 0.
enum BinaryCrossEntropy {
  /// The term of one element, from the output ŷ.
  @inline(__always) static func cost<T: BackpropScalar>(a: T, y: T) -> T {
    let p = clamp(a)
    return -(y * T.log(p) + (1 - y) * T.log(1 - p))
  }

  /// The term of one element, from the sigmoid's logit z.
  @inline(__always) static func cost<T: BackpropScalar>(logit z: T, y: T) -> T {
    max(z, 0) - z * y + T.log(onePlus: T.exp(-abs(z)))
  }

  /// m·∂C/∂ŷ = (ŷ − y) / (ŷ·(1 − ŷ)), 0 where ŷ is clamped.
  @inline(__always) static func outputGradient<T: BackpropScalar>(a: T, y: T) -> T {
    let p = clamp(a)
    return p == a ? (a - y) / (a * (1 - a)) : 0
  }

  @inline(__always) static func clamp<T: BackpropScalar>(_ a: T) -> T {
    min(max(a, T.ulpOfOne), 1 - T.ulpOfOne)
  }
}
