// Float16 exists everywhere but on Intel Macs.
#if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
import RealModule
import Testing

@testable import Backprop

// Float16 is not one of Backprop's scalar types, so nothing has a kernel for it: a network in it runs every
// formula's generic Swift body (products by `Kernels.referenceGemm`, gradient descent by its Swift loop).
extension Float16: BackpropScalar {}

/// `BackpropScalar` is a public protocol: a type other than `Float` and `Double` must take the generic paths, never
/// a kernel that reads its memory as another type.
@Suite("A scalar type without kernels")
struct OtherScalarTests {
  @Test("Float16 trains the [2,2,2,1] XOR network as Double does, within Float16's rounding")
  func float16FollowsDouble() throws {
    let sizes = [2, 2, 2, 1]
    var generator = SeededGenerator(seed: 3)
    let reference = try Network<Double>(
      sizes: sizes, activations: [.tanh, .tanh, .sigmoid], loss: .meanSquaredError, using: &generator)
    // The same starting weights in Float16 (rounded), and the Double run starts from those rounded values too.
    let layers16 = try reference.layers.map {
      try Dense<Float16>(
        weights: Matrix(rows: $0.outputs, columns: $0.inputs, scalars: $0.weights.scalars.map { Float16($0) }),
        biases: $0.biases.map { Float16($0) }, activation: $0.activation)
    }
    var half = try Network(layers: layers16, loss: .meanSquaredError)
    var double = try Network(
      layers: layers16.map {
        try Dense<Double>(
          weights: Matrix(rows: $0.outputs, columns: $0.inputs, scalars: $0.weights.scalars.map { Double($0) }),
          biases: $0.biases.map { Double($0) }, activation: $0.activation)
      }, loss: .meanSquaredError)
    let x = XORExample.inputs, y = XORExample.targets
    let x16 = try Matrix(rows: x.rows, columns: x.columns, scalars: x.scalars.map { Float16($0) })
    let y16 = try Matrix(rows: y.rows, columns: y.columns, scalars: y.scalars.map { Float16($0) })
    var halfTrainer = Trainer<Float16>(optimizer: try GradientDescent(learningRate: 0.5))
    var doubleTrainer = Trainer<Double>(optimizer: try GradientDescent(learningRate: 0.5))
    // Float16 keeps 11 significant bits: 20 steps stay within about 1e-3 of Double (measured); a product that read
    // Float16 memory as Double would not.
    for _ in 0..<20 {
      let cost16 = try halfTrainer.step(&half, inputs: x16, targets: y16)
      let cost = try doubleTrainer.step(&double, inputs: x, targets: y)
      #expect(abs(Double(cost16) - cost) <= 0.01 * max(cost, 0.01), "cost \(cost16) vs \(cost)")
    }
    for (l16, l) in zip(half.layers, double.layers) {
      for (w16, w) in zip(l16.weights.scalars, l.weights.scalars) {
        #expect(abs(Double(w16) - w) <= 0.002 + 0.01 * abs(w), "weight \(w16) vs \(w)")
      }
    }
  }
}
#endif
