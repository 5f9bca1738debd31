import Backprop
import Foundation

/// The independent reference values of the seeds' worked examples: `Fixtures/seed-examples.json`, a copy of
/// `../shared/reference/seed-examples.json` (NumPy float64 backprop, cross-checked against JAX autograd and
/// central differences). See that folder's README for the conventions.
public struct ReferenceVectors: Decodable, Sendable {
  public struct Case: Decodable, Sendable {
    public struct Architecture: Decodable, Sendable {
      public var layer_sizes: [Int]
      public var activations: [String]
      public var loss: String
    }
    public struct Layer: Decodable, Sendable {
      public var W: [[Double]]
      public var b: [Double]
    }
    public struct Forward: Decodable, Sendable {
      public var Z: [[Double]]
      public var A: [[Double]]
    }
    public struct Gradient: Decodable, Sendable {
      public var dW: [[Double]]
      public var db: [Double]
    }
    public struct Training: Decodable, Sendable {
      public var learning_rate: Double?
      public var steps: Int?
      public var biases_trained: Bool?
      public var losses: [Double]
      public var final_layers: [Layer]
    }
    public struct Float32: Decodable, Sendable {
      public var output_A: [[Double]]
      public var loss: Double
      public var gradients: [Gradient]
      public var training: Training
    }

    public var id: String
    public var architecture: Architecture
    public var m: Int
    public var layers: [Layer]
    public var X: [[Double]]
    public var Y: [[Double]]
    public var forward: [Forward]
    public var loss: Double
    public var delta: [[[Double]]]
    public var gradients: [Gradient]
    public var training: Training
    public var training_with_biases: Training?
    public var float32: Float32
    public var seed_quantities: [String: SeedQuantity]?
  }

  /// A value in `seed_quantities`: a number, or the nested `checks` object (ignored).
  public enum SeedQuantity: Decodable, Sendable {
    case number(Double), other
    public init(from decoder: Decoder) throws {
      let container = try decoder.singleValueContainer()
      self = (try? container.decode(Double.self)).map(SeedQuantity.number) ?? .other
    }
    public var number: Double? { if case .number(let x) = self { x } else { nil } }
  }

  public var cases: [Case]

  /// The reference file, read once.
  public static let shared: ReferenceVectors = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures/seed-examples.json")
    do {
      return try JSONDecoder().decode(ReferenceVectors.self, from: Data(contentsOf: url))
    } catch {
      fatalError("cannot read the reference vectors at \(url.path): \(error)")
    }
  }()

  public static func `case`(_ id: String) -> Case { shared.cases.first { $0.id == id }! }
}

extension ReferenceVectors.Case {
  /// The network of this case in `Scalar`, with or without biases as the seed has them.
  public func network<Scalar: BackpropScalar>(_: Scalar.Type = Scalar.self, biases: Bool = true) throws -> Network<Scalar> {
    let activations = architecture.activations.map { Activation(name: $0)! }
    let loss = Loss(name: architecture.loss)!
    let dense = try zip(layers, activations).map { layer, activation in
      let w = try Matrix<Double>(rows: layer.W).converted(to: Scalar.self)
      return biases
        ? try Dense(weights: w, biases: layer.b.map { Scalar($0) }, activation: activation)
        : try Dense(weights: w, activation: activation)
    }
    return try Network(layers: dense, loss: loss)
  }

  public func inputs<Scalar: BackpropScalar>(_: Scalar.Type = Scalar.self) throws -> Matrix<Scalar> {
    try Matrix<Double>(rows: X).converted()
  }

  public func targets<Scalar: BackpropScalar>(_: Scalar.Type = Scalar.self) throws -> Matrix<Scalar> {
    try Matrix<Double>(rows: Y).converted()
  }
}
