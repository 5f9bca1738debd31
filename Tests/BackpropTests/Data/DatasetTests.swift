import Backprop
import Testing

@Suite("Dataset")
struct DatasetTests {
  @Test("counts and labels that do not fit are named")
  func validation() {
    #expect(throws: DataError.inconsistent(source: "s", detail: "expected 2 samples × 3 features = 6 values, found 5")) {
      try Dataset(features: .floats([1, 2, 3, 4, 5]), count: 2, featureCount: 3, labels: nil, classNames: [], source: "s")
    }
    #expect(throws: DataError.inconsistent(source: "s", detail: "sample 2 has label 3, outside the 2 classes 0…1")) {
      try Dataset(features: .bytes([1, 2]), count: 2, featureCount: 1, labels: [0, 3], classNames: ["a", "b"], source: "s")
    }
  }

  @Test("bytes read as value/255; standardization fits mean and population standard deviation")
  func scalingAndStandardization() throws {
    let data = try Dataset(
      features: .bytes([0, 255, 51, 255, 102, 255]), count: 3, featureCount: 2, labels: [0, 1, 0], classNames: ["a", "b"],
      source: "s")
    #expect(data.value(sample: 1, feature: 0) == 0.2)
    let s = Standardization(fitting: data)
    #expect(abs(s.mean[0] - 0.2) < 1e-7)
    // Feature 0 is 0, 0.2, 0.4: population standard deviation √(0.08/3).
    #expect(abs(s.scale[0] - (0.08 / 3.0).squareRoot().float) < 1e-7)
    #expect(s.scale[1] == 1, "a constant feature keeps scale 1")
  }

  @Test("subset keeps the chosen samples in the given order")
  func subset() throws {
    let data = try Dataset(
      features: .floats([1, 2, 3, 4, 5, 6]), count: 3, featureCount: 2, labels: [0, 1, 2], classNames: ["a", "b", "c"],
      source: "s")
    let picked = data.subset([2, 0])
    #expect(picked.count == 2)
    #expect(picked.features == .floats([5, 6, 1, 2]))
    #expect(picked.labels == [2, 0])
  }

  @Test("an epoch on a data set equals the same epoch on its matrices, one-hot labels included")
  func epochOnDataset() throws {
    let data = try Dataset(
      features: .bytes([0, 255, 128, 64, 32, 200, 10, 20]), count: 4, featureCount: 2, labels: [1, 0, 1, 0],
      classNames: ["a", "b"], source: "s")
    let x = try Matrix<Double>(rows: [[0, 128, 32, 10], [255, 64, 200, 20]]).map { $0 / 255 }
    let y = try Matrix<Double>(rows: [[0, 1, 0, 1], [1, 0, 1, 0]])
    var g = SeededGenerator(seed: 3)
    let start = try Network<Double>(sizes: [2, 3, 2], activations: [.tanh, .softmax], loss: .crossEntropy, using: &g)
    var a = start, b = start
    var ta = Trainer<Double>(optimizer: try GradientDescent(learningRate: 0.5))
    var tb = Trainer<Double>(optimizer: try GradientDescent(learningRate: 0.5))
    var ga = SeededGenerator(seed: 8), gb = SeededGenerator(seed: 8)
    let la = try ta.epoch(&a, on: data, batchSize: 3, using: &ga)
    let lb = try tb.epoch(&b, inputs: x, targets: y, batchSize: 3, using: &gb)
    #expect(a == b)
    #expect(la == lb)
  }
}

extension Double {
  fileprivate var float: Float { Float(self) }
}
