/// The size of each layer's weights and of their gradient, ‖W[l]‖ and ‖∂C/∂W[l]‖ (Frobenius norms): the figures
/// that show gradients vanishing on their way back through a deep sigmoid network (seed 000), or exploding.
public struct LayerNorms: Sendable, Equatable, Codable {
  /// ‖W[l]‖ for l = 1 … L.
  public var weights: [Double]
  /// ‖∂C/∂W[l]‖ for l = 1 … L, on a fixed probe batch (see ``Network/layerNorms(on:standardization:samples:)``).
  public var gradients: [Double]

  public init(weights: [Double], gradients: [Double]) {
    self.weights = weights
    self.gradients = gradients
  }
}

extension Network {
  /// ‖W[l]‖ and ‖∂C/∂W[l]‖ of every layer, the gradient taken on the first `samples` samples of `data` (in file
  /// order, so the probe is the same batch every epoch), standardized as in training, without dropout or L2.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func layerNorms(on data: Dataset, standardization: Standardization? = nil, samples: Int = 256) throws -> LayerNorms {
    try check(data, standardization: standardization)
    guard data.hasTargets, data.count > 0 else {
      throw BackpropError.invalidArgument(name: "data", value: data.source, expected: "samples with targets")
    }
    let m = min(max(samples, 1), data.count)
    let workspace = Workspace<Scalar>(sizes: sizes, capacity: m)
    let indices = Array(0..<m)[...]
    workspace.gather(data, indices: indices, standardization: standardization)
    workspace.loadSampleWeights(data.sampleWeights, indices: indices)
    withParameters(boundIn: workspace) {
      workspace.forward()
      workspace.backward()
    }
    func norm(_ values: UnsafeBufferPointer<Scalar>) -> Double {
      (values.reduce(0.0) { $0 + Double($1) * Double($1) }).squareRoot()
    }
    return LayerNorms(
      weights: layers.map { layer in layer.weights.withUnsafeBufferPointer(norm) },
      gradients: layers.indices.map { l in
        norm(UnsafeBufferPointer(start: workspace.dW[l], count: layers[l].weights.scalars.count))
      })
  }
}
