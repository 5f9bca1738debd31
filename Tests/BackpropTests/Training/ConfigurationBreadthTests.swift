import Backprop
import Foundation
import Testing

/// The training configuration's initializer, regularization and weighting fields: optional in files (old files
/// load as before), written only when set, and used by a run.
@Suite("Training configuration: initializers, regularization, weights")
struct ConfigurationBreadthTests {
  static func coders() -> (JSONEncoder, JSONDecoder) {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = .sortedKeys
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return (encoder, decoder)
  }

  static let base = TrainingConfiguration(
    sizes: [8, 16, 2], activations: [.relu, .softmax], loss: .crossEntropy,
    optimizer: OptimizerSettings(kind: .sgd, learningRate: 0.1), batchSize: 10, epochs: 1, seed: 4)

  @Test("a file written before these fields loads, and a configuration without them is written as before")
  func oldFiles() throws {
    let (encoder, decoder) = Self.coders()
    let old = #"""
      {"activations":["relu","softmax"],"batch_size":64,"epochs":5,"initializer":"he-uniform","loss":"cross-entropy",
       "optimizer":{"beta1":0.9,"beta2":0.999,"epsilon":1e-08,"kind":"sgd","learning_rate":0.1},
       "seed":1,"sizes":[784,128,10],"standardize":false,"validation_split":0}
      """#
    let configuration = try decoder.decode(TrainingConfiguration.self, from: Data(old.utf8))
    #expect(configuration.initializer == .heUniform && configuration.initializers == [.heUniform])
    #expect(configuration.layerInitializers == nil && configuration.l2 == nil && configuration.dropout == nil)
    #expect(configuration.classWeights == nil && configuration.sampleWeightColumn == nil)
    #expect(try configuration.regularization == .none)
    let written = String(decoding: try encoder.encode(Self.base), as: UTF8.self)
    for key in ["layer_initializers", "l2", "dropout", "class_weights", "sample_weight_column"] {
      #expect(!written.contains("\"\(key)\""), "\(key) written though not set")
    }
  }

  @Test("set fields are written and read back")
  func roundTrip() throws {
    let (encoder, decoder) = Self.coders()
    var configuration = Self.base
    configuration.layerInitializers = [.widrowNguyen, .glorotNormal]
    configuration.l2 = 1e-4
    configuration.dropout = 0.5
    configuration.classWeights = .balanced
    configuration.sampleWeightColumn = "weight"
    let json = try encoder.encode(configuration)
    let text = String(decoding: json, as: UTF8.self)
    #expect(text.contains(#""layer_initializers":["widrow-nguyen","glorot-normal"]"#))
    #expect(text.contains(#""dropout":0.5"#) && text.contains(#""l2":0.0001"#) && text.contains(#""class_weights":"balanced""#))
    #expect(text.contains(#""sample_weight_column":"weight""#))
    #expect(try decoder.decode(TrainingConfiguration.self, from: json) == configuration)
    #expect(try configuration.regularization == Regularization(l2: 1e-4, dropout: 0.5))
  }

  @Test("out-of-range values are refused by validate()")
  func validation() {
    var configuration = Self.base
    configuration.dropout = 1
    #expect(throws: BackpropError.self) { try configuration.validate() }
    configuration.dropout = nil
    configuration.l2 = -0.1
    #expect(throws: BackpropError.self) { try configuration.validate() }
    configuration.l2 = nil
    configuration.layerInitializers = [.heNormal]
    #expect(throws: BackpropError.self) { try configuration.validate() }
  }

  @Test("a run draws each layer with its initializer, from the run's seed")
  func runInitializers() throws {
    let data = try Dataset.synthetic(count: 30, features: 8, classNames: ["a", "b"], noise: 100, signal: 80, seed: 5)
    var configuration = Self.base
    configuration.layerInitializers = [.heNormal, .lecunUniform]
    let run = try TrainingRun<Float>(configuration: configuration, data: data)
    var generator = SeededGenerator(seed: 4)
    let expected = try Network<Float>(
      sizes: [8, 16, 2], activations: [.relu, .softmax], loss: .crossEntropy, initializers: [.heNormal, .lecunUniform],
      using: &generator)
    #expect(run.network == expected)
  }
}
