import Backprop

/// An oracle for ∂C/∂θ that shares nothing with backpropagation: it rebuilds the network through the public API
/// with one parameter moved, and differentiates the cost numerically with the five-point central stencil
/// (f(θ−2h) − 8f(θ−h) + 8f(θ+h) − f(θ+2h)) / 12h, whose error is O(h⁴) plus round-off ε·C/h.
public func finiteDifferenceGradients(
  of network: Network<Double>, inputs: Matrix<Double>, targets: Matrix<Double>, step h: Double = 1e-5
) throws -> Gradients<Double> {
  try finiteDifferenceGradients(of: network, step: h) { try $0.cost(inputs: inputs, targets: targets) }
}

/// ``finiteDifferenceGradients(of:inputs:targets:step:)`` of any cost: `cost` evaluates the network rebuilt with
/// one parameter moved (e.g. with sample weights, an L2 penalty or fixed dropout masks).
public func finiteDifferenceGradients(
  of network: Network<Double>, step h: Double = 1e-5, cost evaluate: (Network<Double>) throws -> Double
) throws -> Gradients<Double> {
  func cost(layer l: Int, weight: (Int, Int)?, bias: Int?, offset: Double) throws -> Double {
    var layers = network.layers
    var w = layers[l].weights, b = layers[l].biases
    if let (i, j) = weight { w[i, j] += offset }
    if let i = bias { b[i] += offset }
    layers[l] = b.isEmpty
      ? try Dense(weights: w, activation: layers[l].activation)
      : try Dense(weights: w, biases: b, activation: layers[l].activation)
    return try evaluate(Network(layers: layers, loss: network.loss))
  }
  func derivative(layer l: Int, weight: (Int, Int)? = nil, bias: Int? = nil) throws -> Double {
    func f(_ k: Double) throws -> Double { try cost(layer: l, weight: weight, bias: bias, offset: k * h) }
    return (try f(-2) - 8 * f(-1) + 8 * f(1) - f(2)) / (12 * h)
  }
  var weights: [Matrix<Double>] = [], biases: [[Double]] = []
  for (l, layer) in network.layers.enumerated() {
    var dW = Matrix<Double>(rows: layer.outputs, columns: layer.inputs)
    for i in 0..<layer.outputs { for j in 0..<layer.inputs { dW[i, j] = try derivative(layer: l, weight: (i, j)) } }
    weights.append(dW)
    biases.append(try layer.biases.indices.map { try derivative(layer: l, bias: $0) })
  }
  return Gradients(weights: weights, biases: biases)
}

/// ‖a − b‖₂ / max(‖a‖₂, ‖b‖₂) over two flat arrays (0 when both are 0).
public func normwiseRelativeError(_ a: [Double], _ b: [Double]) -> Double {
  func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
  let scale = max(norm(a), norm(b))
  return scale == 0 ? 0 : norm(zip(a, b).map { $0 - $1 }) / scale
}
