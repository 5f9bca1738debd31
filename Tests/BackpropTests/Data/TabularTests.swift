import Backprop
import Foundation
import Testing

/// CSV tables with target columns: the task inferred from them, real-valued targets, missing-value policies, and
/// the figures a regression or multi-label evaluation reports.
@Suite("Tabular data")
struct TabularTests {
  private func table(_ text: String, _ options: CSVReader.Options) throws -> CSVReader.Table {
    let directory = try DataScratchDirectory()
    return try CSVReader.read(directory.write(text, to: "t.csv"), options: options)
  }

  @Test("the task follows the target columns: text or few whole numbers classify, other numbers regress, 0/1 columns are multi-label")
  func inferredTask() throws {
    let classes = try table("a,y\n1,cat\n2,dog\n3,cat\n", .init(targets: [.name("y")]))
    #expect(classes.dataset.task == .classification && classes.dataset.classNames == ["cat", "dog"])
    #expect(classes.taskReason == "'y' holds text ('cat' on line 2)")
    let digits = try table("a,y\n1,3\n2,1\n3,3\n", .init(targets: [.name("y")]))
    #expect(digits.dataset.task == .classification && digits.dataset.labels == [1, 0, 1])
    let values = try table("a,y\n1,0.5\n2,1.25\n3,-2\n", .init(targets: [.name("y")]))
    #expect(values.dataset.task == .regression && values.dataset.targetValues == [0.5, 1.25, -2])
    #expect(values.taskReason == "'y' holds numbers with 3 distinct values")
    let tags = try table("a,red,b,blue\n1,0,5,1\n2,1,6,1\n", .init(targets: [.name("red"), .name("blue")]))
    #expect(tags.dataset.task == .multiLabel && tags.dataset.targetValues == [0, 1, 1, 1])
    #expect(tags.dataset.featureNames == ["a", "b"] && tags.dataset.targetNames == ["red", "blue"])
    let forced = try table("a,y\n1,3\n2,1\n3,3\n", .init(targets: [.name("y")], task: .regression))
    #expect(forced.dataset.targetValues == [3, 1, 3] && forced.taskReason == "given")
  }

  @Test("missing cells: an error naming line, column and feature; dropped rows; or the column mean (or given fill values)")
  func missingValues() throws {
    let text = "a,b,y\n1,2,x\n3,,y\n5,NA,x\n7,8,y\n"
    let directory = try DataScratchDirectory()
    let file = try directory.write(text, to: "m.csv")
    #expect(dataErrorMessage { try CSVReader.read(file, options: .init(targets: [.name("y")])) }
      == "\(file), line 3, column 2: expected a finite number in feature 'b' (missing values can be dropped or filled with the column mean), found an empty field")
    let dropped = try CSVReader.read(file, options: .init(targets: [.name("y")], missing: .drop))
    #expect(dropped.droppedLines == [3, 4] && dropped.dataset.count == 2)
    #expect(dropped.dataset.features == .floats([1, 2, 7, 8]))
    let filled = try CSVReader.read(file, options: .init(targets: [.name("y")], missing: .mean))
    #expect(filled.fill == [4, 5] && filled.filledCells == 2)  // b's mean over 2 and 8
    #expect(filled.dataset.features == .floats([1, 2, 3, 5, 5, 5, 7, 8]))
    let given = try CSVReader.read(file, options: .init(targets: [.name("y")], missing: .mean, fill: [0, -1]))
    #expect(given.dataset.features == .floats([1, 2, 3, -1, 5, -1, 7, 8]))
  }

  @Test("bad targets and mixed columns are named: text in a feature, a regression target that is not a number, a label that is not 0/1")
  func badTargets() throws {
    let directory = try DataScratchDirectory()
    let mixed = try directory.write("a,city,y\n1,2,0.5\n2,Paris,1.5\n", to: "mixed.csv")
    #expect(dataErrorMessage { try CSVReader.read(mixed, options: .init(targets: [.name("y")])) }
      == "\(mixed), line 3, column 2: expected a number in feature 'city' (features must be numeric), found 'Paris'")
    let regression = try directory.write("a,y\n1,0.5\n2,high\n", to: "r.csv")
    #expect(dataErrorMessage { try CSVReader.read(regression, options: .init(targets: [.name("y")], task: .regression)) }
      == "\(regression), line 3, column 2: expected a finite number for the regression target 'y', found 'high'")
    let labels = try directory.write("a,p,q\n1,0,1\n2,2,0\n", to: "l.csv")
    #expect(dataErrorMessage { try CSVReader.read(labels, options: .init(targets: [.name("p"), .name("q")], task: .multiLabel)) }
      == "\(labels), line 3, column 2: expected 0 or 1 for the label 'p', found '2'")
    #expect(dataErrorMessage { try CSVReader.read(labels, options: .init(targets: [.name("nope")])) }?
      .contains("expected a column named 'nope'") == true)
  }

  @Test("regression figures by hand: MAE, RMSE and R² of a linear network in the targets' units")
  func regressionMetrics() throws {
    // ŷ = 2x, targets y = 1, 5, 5 for x = 1, 2, 3: errors −1, 1, −1 → MAE 1, RMSE 1; ȳ = 11/3, Σ(y − ȳ)² = 32/3,
    // so R² = 1 − 3/(32/3) = 23/32. The standardization maps outputs back: ŷ·s + μ with s = 2, μ = 0 here.
    var data = try Dataset(features: .floats([1, 2, 3]), count: 3, featureCount: 1, labels: nil, classNames: [], source: "hand")
    try data.setTargets([1, 5, 5], names: ["y"], task: .regression)
    let network = try Network(layers: [Dense(weights: Matrix<Double>(rows: [[1]]), activation: .linear)], loss: .meanSquaredError)
    let scaling = Standardization(mean: [0], scale: [1], targetMean: [0], targetScale: [2])
    let evaluation = try network.evaluate(on: data, standardization: scaling)
    let metrics = try #require(evaluation.regression)
    #expect(metrics.meanAbsoluteError == [1] && metrics.rootMeanSquaredError == [1])
    #expect(abs(metrics.r2[0] - 23.0 / 32) < 1e-15)
    // The cost is on the standardized targets (0.5, 2.5, 2.5) against outputs 1, 2, 3: ½·(0.25 + 0.25 + 0.25) / 3.
    #expect(abs(evaluation.loss - 0.125) < 1e-15)
  }

  @Test("multi-label figures by hand: per-label counts, label accuracy and exact match")
  func multiLabelMetrics() throws {
    // Identity weights and sigmoid: a label is predicted yes when its feature is positive.
    var data = try Dataset(
      features: .floats([1, 1, -1, 1, 1, -1, -1, -1]), count: 4, featureCount: 2, labels: nil, classNames: [], source: "hand")
    try data.setTargets([1, 1, 0, 0, 1, 0, 1, 1], names: ["p", "q"], task: .multiLabel)
    let network = try Network(
      layers: [Dense(weights: Matrix<Double>(rows: [[1, 0], [0, 1]]), activation: .sigmoid)], loss: .binaryCrossEntropy)
    let metrics = try #require(try network.evaluate(on: data).multiLabel)
    // p: predicted 1, 0, 1, 0 against 1, 0, 1, 1 → TN 1, FP 0, FN 1, TP 2. q: predicted 1, 1, 0, 0 against 1, 0, 0, 1.
    #expect(metrics.counts == [[1, 0, 1, 2], [1, 1, 1, 1]])
    #expect(metrics.labelAccuracy == 5.0 / 8 && metrics.exactMatch == 2.0 / 4)
    #expect(metrics.precision(of: 0) == 1 && metrics.recall(of: 0) == 2.0 / 3)
  }

  @Test("a validation split refuses a class with a single sample, naming it")
  func loneClass() throws {
    var data = try Dataset(
      features: .floats([0, 1, 2, 3, 4]), count: 5, featureCount: 1, labels: [0, 0, 1, 0, 0], classNames: ["a", "b"], source: "five")
    data.featureNames = ["x"]
    let configuration = TrainingConfiguration(
      sizes: [1, 2], activations: [.softmax], loss: .crossEntropy, optimizer: OptimizerSettings(kind: .sgd, learningRate: 0.1),
      batchSize: 2, epochs: 1, seed: 1, validationSplit: 0.4)
    #expect(throws: BackpropError.self) { try TrainingRun<Float>(configuration: configuration, data: data) }
    do {
      _ = try TrainingRun<Float>(configuration: configuration, data: data)
    } catch {
      #expect("\(error)".contains("class 'b' has 1"))
    }
  }
}
