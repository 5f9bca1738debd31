import ArgumentParser
import Backprop

/// CSV tables with named target columns (`--target`): reading them for training, evaluation and prediction the
/// way the model was trained, and the defaults a small tabular problem gets.
enum TabularData {
  /// The training table: the targets named on the command line (or saved in a resumed model), the task given
  /// or inferred, missing cells handled as asked.
  static func training(
    _ path: String, targets: [String], task: Task?, missing: CSVReader.MissingValues, classNames: [String]?
  ) throws -> CSVReader.Table {
    try CSVReader.read(
      path,
      options: CSVReader.Options(
        targets: targets.map(DataLoading.parseColumn), task: task, classNames: classNames, missing: missing))
  }

  /// A table read as `input` describes the training data: the same target columns, task, classes and missing-value
  /// handling (filled with the training means). For `predict` (`withTargets` false) the target columns are
  /// ignored if present, and no row may be dropped: the output must keep the input's rows.
  static func like(_ input: InputDescription, classNames: [String], path: String, withTargets: Bool) throws -> Dataset {
    let header = try DataLoading.header(of: path)
    let columns = input.targetColumns ?? input.labelColumn.map { [$0] } ?? []
    let present = columns.filter(header.contains)
    if withTargets, let absent = columns.first(where: { !header.contains($0) }) {
      throw ValidationError("--data \(path): no target column '\(absent)' (the model was trained on \(columns.map { "'\($0)'" }.joined(separator: ", ")))")
    }
    var missing = input.missing ?? .error
    if !withTargets, missing == .drop { missing = .error }
    let table = try CSVReader.read(
      path,
      options: CSVReader.Options(
        targets: present.map { .name($0) }, task: present.isEmpty ? nil : input.outputTask,
        classNames: input.outputTask == .classification && !classNames.isEmpty ? classNames : nil, missing: missing,
        fill: input.fill))
    var data = table.dataset
    if !withTargets { data.removeTargets() }
    return data
  }

  /// The hidden layers for a table of `features` columns when none are given: one layer, twice as wide as the
  /// input, between 16 and 64 units.
  static func defaultHidden(features: Int) -> [Int] { [min(64, max(16, 2 * features))] }

  /// Notes on what reading did, for the summary: dropped rows, filled cells, constant features.
  static func notes(_ table: CSVReader.Table, constant: [Int]) -> [String] {
    var notes: [String] = []
    if !table.droppedLines.isEmpty {
      let shown = table.droppedLines.prefix(5).map(String.init).joined(separator: ", ")
      notes.append("dropped \(table.droppedLines.count) row\(table.droppedLines.count == 1 ? "" : "s") with missing values (line\(table.droppedLines.count == 1 ? "" : "s") \(shown)\(table.droppedLines.count > 5 ? ", …" : ""))")
    }
    if table.filledCells > 0 {
      notes.append("filled \(table.filledCells) missing cell\(table.filledCells == 1 ? "" : "s") with the column means")
    }
    if !constant.isEmpty {
      let names = constant.map { "'\(table.dataset.featureNames[$0])'" }.joined(separator: ", ")
      notes.append("constant in the training data, so it contributes nothing (standardized to 0): \(names)")
    }
    return notes
  }
}
