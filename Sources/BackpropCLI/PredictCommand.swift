import ArgumentParser
import Backprop
import Foundation

/// `backprop predict`: a saved model's predictions for new inputs, as CSV.
struct PredictCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "predict",
    abstract: "Predict the class of every input row with a saved model; writes CSV.",
    discussion: """
      The input is a CSV file with a header (columns with the training targets' names are ignored), an IDX images \
      file, or an IDX directory (its test images). The output has a header and one row per input row, in input \
      order. A classifier writes the predicted label, its probability, and the probability of every class \
      (p_<class>); a regression model one column per target with the predicted value in the target's units; a \
      multi-label model 1 or 0 per label, then each label's probability (p_<label>).
      """)

  @Argument(help: "The model file (safetensors) written by `backprop train`.")
  var model: String

  @Option(help: "The inputs: a CSV file, an IDX images file or an IDX directory.")
  var input: String

  @Option(help: "Write the CSV here (atomically) instead of to standard output.")
  var output: String?

  @Option(help: "Where the matrix products run: native (the default), openblas or accelerate (Apple platforms), when found at run time.")
  var backend: String?

  func validate() throws {
    // Selected here, so that an unavailable backend is reported with this command's usage (exit 64).
    try Arguments.selectBackend(backend)
    if let output { try Files.checkWritable(output) }
  }

  func run() throws {
    let file = try ModelFile<Float>.read(from: model)
    let raw = file.input.task != nil && !DataLoading.isDirectory(input)
      ? try TabularData.like(file.input, classNames: file.classNames, path: input, withTargets: false)
      : try inputs(labelColumn: file.input.labelColumn)
    let outputs = try file.network.predict(file.input.prepare(raw), standardization: file.input.standardization)
    let csv: String
    switch file.input.outputTask {
    case .classification: csv = classes(outputs, names: file.classNames)
    case .regression: csv = values(outputs, names: file.input.targetColumns ?? [], standardization: file.input.standardization)
    case .multiLabel: csv = labels(outputs, names: file.classNames)
    }
    if let output {
      try writeAtomically(Array(csv.utf8), to: output)
    } else {
      print(csv, terminator: "")
    }
  }

  /// `label,probability,p_<class>…`: the most probable class, its probability, and every class's.
  private func classes(_ outputs: Matrix<Float>, names given: [String]) -> String {
    let names = given.isEmpty ? (0..<outputs.rows).map(String.init) : given
    var csv = (["label", "probability"] + names.map { "p_" + $0 }).map(Self.quoted).joined(separator: ",") + "\n"
    for j in 0..<outputs.columns {
      let column = outputs.column(j)
      let best = column.indices.max { column[$0] < column[$1] } ?? 0
      csv += ([Self.quoted(names[best]), "\(column[best])"] + column.map { "\($0)" }).joined(separator: ",") + "\n"
    }
    return csv
  }

  /// One column per target, named as in training: the predicted value in the target's units.
  private func values(_ outputs: Matrix<Float>, names: [String], standardization: Standardization?) -> String {
    var csv = names.map(Self.quoted).joined(separator: ",") + "\n"
    for j in 0..<outputs.columns {
      csv += (0..<outputs.rows).map { k in
        "\(Float(standardization?.targetValue(Double(outputs[k, j]), target: k) ?? Double(outputs[k, j])))"
      }.joined(separator: ",") + "\n"
    }
    return csv
  }

  /// Per label, named as in training: 1 or 0 (probability ≥ 0.5), then every label's probability p_<label>.
  private func labels(_ outputs: Matrix<Float>, names: [String]) -> String {
    var csv = (names + names.map { "p_" + $0 }).map(Self.quoted).joined(separator: ",") + "\n"
    for j in 0..<outputs.columns {
      let column = outputs.column(j)
      csv += (column.map { $0 >= 0.5 ? "1" : "0" } + column.map { "\($0)" }).joined(separator: ",") + "\n"
    }
    return csv
  }

  private func inputs(labelColumn: String?) throws -> Dataset {
    if DataLoading.isDirectory(input) { return try IDXReader.readDirectory(input, split: .test) }
    let csv = input.lowercased().hasSuffix(".csv") || input.lowercased().hasSuffix(".csv.gz")
    if !csv, Self.looksLikeIDX(input) { return try IDXReader.read(images: input, labels: nil) }
    let header = try DataLoading.header(of: input)
    var data = try CSVReader.read(input, labelColumn: labelColumn.flatMap { header.contains($0) ? .name($0) : nil })
    data.labels = nil
    return data
  }

  /// IDX images start with the bytes 00 00 08 03; gzip with 1f 8b.
  static func looksLikeIDX(_ path: String) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? handle.close() }
    let start = [UInt8]((try? handle.read(upToCount: 4)) ?? Data())
    return start == [0, 0, 8, 3] || start.starts(with: [0x1F, 0x8B])
  }

  /// A CSV field, quoted when it holds a comma, a quote or a line break.
  static func quoted(_ field: String) -> String {
    field.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
  }
}
