/// Reads a CSV file of numeric features and, optionally, a label column, plain or gzipped.
///
/// The format is RFC 4180's, read leniently:
///
/// - The first row is the header: one name per column. It is required.
/// - Fields are separated by commas; a row ends with `\n`, `\r\n` or `\r`, and the last row may end with one or
///   not. Blank lines are skipped. A UTF-8 byte-order mark at the start is ignored.
/// - A field may be quoted: `"1.5"`, `"Iris, setosa"`, `"say ""hi"""` (a doubled quote is one quote; a quoted
///   field may span lines). Spaces and tabs around a field, and around a quoted field's quotes, are ignored.
/// - Feature fields are decimal numbers, read as `Float`: `3`, `-0.25`, `+1.5e-3`, `.5`, `2.`. NaN, infinities,
///   hexadecimal and empty fields are errors, as is a value beyond `Float`'s range.
/// - The label field may hold any text, names or numbers.
///
/// A file that starts with gzip's magic number (1f 8b) is inflated first, whatever its name. Errors give the
/// line and the column, both counted from 1: the column is the field's position in its row.
///
/// ```swift
/// let iris = try CSVReader.read("iris.csv", labelColumn: .name("species"))
/// let more = try CSVReader.read("new.csv", labelColumn: .index(4), classNames: iris.classNames)
/// ```
public enum CSVReader {
  /// Which column holds the labels: by its header name, or by its position counted from 0.
  public enum LabelColumn: Sendable, Equatable {
    /// The column whose header is this name (compared after trimming spaces).
    case name(String)
    /// The column at this position, counted from 0 (the first column is `.index(0)`).
    case index(Int)
  }

  /// Reads the CSV file at `path` as a data set of `Float` features and, when `labelColumn` is given, labels.
  ///
  /// Every column except the label column is a feature, in file order; `featureNames` are their header names.
  /// With `labelColumn` nil, every column is a feature and `labels` is nil.
  ///
  /// The classes are the distinct label texts. Without `classNames` they are sorted: by numeric value when every
  /// label is a decimal number (so "2" comes before "10"), otherwise by their text. With `classNames` (the classes
  /// of a trained model), each label must be one of them, matched exactly, and keeps that class's index.
  ///
  /// - Parameters:
  ///   - path: the file's path.
  ///   - labelColumn: the column that holds the labels, or nil for features only.
  ///   - classNames: the classes to map labels to, or nil to take them from the file.
  /// - Throws: `DataError.unreadable` when the file cannot be read; `DataError.malformed` with the line (and
  ///   column, both from 1) for an empty file, a header without data rows, a label column that is not in the
  ///   header, a row with a different number of fields than the header, a feature that is not a number or not
  ///   finite or is empty, an empty label, a label not in `classNames`, or an unclosed quote.
  public static func read(_ path: String, labelColumn: LabelColumn?, classNames: [String]? = nil) throws
    -> Dataset
  {
    try read(
      path, options: Options(targets: labelColumn.map { [$0] } ?? [], task: .classification, classNames: classNames)
    ).dataset
  }

  /// What to do with a feature cell that is empty or holds NaN (`nan`, `NA`, `N/A`, `?`, `null`).
  public enum MissingValues: String, Codable, Sendable, CaseIterable {
    /// An error naming the line and column: the default, so nothing is guessed silently.
    case error
    /// The row is left out (its line is listed in ``Table/droppedLines``).
    case drop
    /// The cell gets its column's mean over the rows that have a value (or the means given in
    /// ``Options/fill``, e.g. a trained model's, so new data is filled as the training data was).
    case mean
  }

  /// How to read a table of features and targets.
  public struct Options: Sendable {
    /// The target columns: none (features only), one (classes or values), or several (multi-label or several
    /// regression targets).
    public var targets: [LabelColumn]
    /// The task, or nil to infer it from the target columns (see ``read(_:options:)``).
    public var task: Task?
    /// For classification: a trained model's classes, which each label must be one of.
    public var classNames: [String]?
    public var missing: MissingValues
    /// With ``MissingValues/mean``: the value per feature to fill with; nil to use this file's means.
    public var fill: [Float]?

    public init(
      targets: [LabelColumn], task: Task? = nil, classNames: [String]? = nil, missing: MissingValues = .error,
      fill: [Float]? = nil
    ) {
      self.targets = targets
      self.task = task
      self.classNames = classNames
      self.missing = missing
      self.fill = fill
    }
  }

  /// A data set read with ``read(_:options:)`` and what was decided while reading it.
  public struct Table: Sendable {
    public var dataset: Dataset
    /// Why the task is what it is, in a sentence fragment: "given", or e.g. "'price' holds numbers with 412
    /// distinct values".
    public var taskReason: String
    /// The lines left out for a missing value (``MissingValues/drop``).
    public var droppedLines: [Int]
    /// The value each feature's missing cells got (``MissingValues/mean``), nil otherwise.
    public var fill: [Float]?
    /// How many cells were filled.
    public var filledCells: Int
  }

  /// Reads the CSV file at `path` as features and targets, inferring the task when it is not given:
  ///
  /// - one target column holding any text that is not a number, or whole numbers with at most 20 distinct
  ///   values: **classification**;
  /// - one target column of other numbers: **regression**;
  /// - several target columns, all 0 or 1: **multi-label**; all numbers: **regression** with several targets.
  ///
  /// - Throws: `DataError` as ``read(_:labelColumn:classNames:)`` does, and for a target column named twice, a
  ///   regression target that is not a number, a multi-label target that is not 0 or 1, or a missing value under
  ///   ``MissingValues/error``.
  public static func read(_ path: String, options: Options) throws -> Table {
    let bytes = try DataFile.contents(of: path)
    return try bytes.withUnsafeBufferPointer { buffer in
      var parser = CSVParser(bytes: buffer, file: path)
      return try parser.table(options)
    }
  }
}

/// One pass over a CSV file's bytes.
private struct CSVParser {
  /// A field of the current row: its bytes (inside the quotes, if quoted) and the line it starts on.
  struct Field {
    var start: Int
    var end: Int
    var line: Int
    var quoted: Bool
    /// Whether a quoted field holds doubled quotes ("") to undo.
    var escapes: Bool
  }

  let bytes: UnsafeBufferPointer<UInt8>
  let file: String
  /// The next byte to read.
  var position = 0
  /// The line `position` is on, from 1.
  var line = 1
  /// The fields of the row `nextRow()` read last, at most `fieldLimit` of them.
  var fields: [Field] = []
  /// How many fields the row `nextRow()` read last has, kept or not.
  var fieldCount = 0
  /// The most fields of a row kept in `fields`: once the header is read, one more than it has, so that a line of
  /// ten million commas costs no more memory than a good row.
  var fieldLimit = Int.max

  init(bytes: UnsafeBufferPointer<UInt8>, file: String) {
    self.bytes = bytes
    self.file = file
    if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { position = 3 }
  }

  // MARK: The data set

  mutating func table(_ options: CSVReader.Options) throws -> CSVReader.Table {
    guard let headerLine = try nextRow() else {
      throw DataError.malformed(
        InputLocation(file: file, line: 1), expected: "a header row of column names", found: "an empty file")
    }
    let header = fields.map { text($0) }
    fieldLimit = header.count + 1
    let firstDataLine = line
    let targets = try options.targets.map { try labelIndex($0, header: header, line: headerLine)! }
    if let twice = targets.indices.first(where: { targets[..<$0].contains(targets[$0]) }) {
      throw DataError.malformed(
        InputLocation(file: file, line: headerLine), expected: "each target column once",
        found: "\(quotedExcerpt(header[targets[twice]])) twice")
    }
    let featureColumns = header.indices.filter { !targets.contains($0) }
    if !targets.isEmpty, featureColumns.isEmpty {
      throw DataError.malformed(
        InputLocation(file: file, line: headerLine),
        expected: "at least one feature column besides the target column\(targets.count == 1 ? "" : "s") \(Self.list(targets.map { header[$0] }))",
        found: "only \(targets.count == 1 ? "the target column" : "target columns")")
    }

    var lineCount = 0
    for byte in bytes where byte == 0x0A { lineCount += 1 }
    var values: [Float] = []
    values.reserveCapacity(lineCount * featureColumns.count)
    var targetFields: [(text: String, line: Int)] = []  // row after row, one per target column
    var dropped: [Int] = []
    var missingCells: [Int] = []  // positions in `values` to fill
    var count = 0
    rows: while let row = try nextRow() {
      guard fieldCount == header.count else {
        throw DataError.malformed(
          InputLocation(file: file, line: row), expected: "\(header.count) fields as in the header",
          found: "\(fieldCount)")
      }
      let rowStart = values.count
      for column in featureColumns {
        if isMissing(fields[column]) {
          switch options.missing {
          case .error: break  // `number` names the cell
          case .drop:
            values.removeSubrange(rowStart...)
            dropped.append(row)
            continue rows
          case .mean:
            missingCells.append(values.count)
            values.append(0)
            continue
          }
        }
        values.append(try number(fields[column], column: column, name: header[column]))
      }
      for column in targets {
        let field = fields[column], name = text(field)
        if name.isEmpty || isMissing(field) {
          if options.missing == .drop {
            values.removeSubrange(rowStart...)
            targetFields.removeSubrange((count * targets.count)...)
            dropped.append(row)
            continue rows
          }
          throw DataError.malformed(
            InputLocation(file: file, line: field.line, column: column + 1),
            expected: "a value for the target \(quotedExcerpt(header[column]))", found: name.isEmpty ? "an empty field" : quotedExcerpt(name))
        }
        targetFields.append((name, field.line))
      }
      count += 1
    }
    guard count > 0 else {
      throw DataError.malformed(
        InputLocation(file: file, line: firstDataLine), expected: "data rows after the header",
        found: dropped.isEmpty ? "none" : "none left after dropping \(dropped.count) with missing values")
    }

    var fill: [Float]?
    if options.missing == .mean {
      if let given = options.fill, given.count != featureColumns.count {
        throw DataError.malformed(
          InputLocation(file: file, line: headerLine),
          expected: "\(given.count) feature columns, as the values to fill missing cells with", found: "\(featureColumns.count)")
      }
      let means = options.fill ?? Self.columnMeans(values, width: featureColumns.count, skipping: missingCells)
      for position in missingCells { values[position] = means[position % featureColumns.count] }
      fill = means
    }
    var dataset = try Dataset(
      features: .floats(values), count: count, featureCount: featureColumns.count, labels: nil, classNames: [],
      featureNames: featureColumns.map { header[$0] }, source: file)
    var reason = "given"
    if !targets.isEmpty {
      let names = targets.map { header[$0] }
      let task: Task
      if let given = options.task { task = given } else { (task, reason) = Self.inferTask(targetFields, names: names) }
      try setTargets(of: &dataset, task: task, fields: targetFields, names: names, columns: targets,
                     classNames: options.classNames)
    }
    return CSVReader.Table(
      dataset: dataset, taskReason: reason, droppedLines: dropped, fill: fill, filledCells: missingCells.count)
  }

  /// Whether a field stands for a missing value: empty, or a NaN spelling.
  private func isMissing(_ field: Field) -> Bool {
    let range = trimmed(field)
    if range.isEmpty { return true }
    guard range.count <= 4 else { return false }
    let word = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self).lowercased()
    return ["nan", "na", "n/a", "?", "null", "-nan", "+nan"].contains(word)
  }

  private static func columnMeans(_ values: [Float], width: Int, skipping missing: [Int]) -> [Float] {
    var sum = [Double](repeating: 0, count: width), present = [Int](repeating: 0, count: width)
    var skip = Set(missing)
    for (position, value) in values.enumerated() where !skip.contains(position) {
      sum[position % width] += Double(value)
      present[position % width] += 1
    }
    skip.removeAll()
    return (0..<width).map { present[$0] == 0 ? 0 : Float(sum[$0] / Double(present[$0])) }
  }

  /// The task the target columns' texts suggest, and why.
  private static func inferTask(_ fields: [(text: String, line: Int)], names: [String]) -> (Task, String) {
    let columns = names.count
    let listed = list(names)
    let numbers = fields.map { isDecimal($0.text.utf8) ? Double($0.text) : nil }
    if columns > 1 {
      if numbers.allSatisfy({ $0 == 0 || $0 == 1 }) { return (.multiLabel, "\(columns) target columns \(listed) of 0s and 1s") }
      return (.regression, "\(columns) target columns \(listed) of numbers")
    }
    guard numbers.allSatisfy({ $0 != nil }) else {
      let text = fields.first { !isDecimal($0.text.utf8) }!
      return (.classification, "\(quotedExcerpt(names[0])) holds text (\(quotedExcerpt(text.text)) on line \(text.line))")
    }
    let distinct = Set(numbers.map { $0! })
    if distinct.allSatisfy({ $0 == $0.rounded() }) && distinct.count <= 20 {
      return (.classification, "\(quotedExcerpt(names[0])) holds \(distinct.count) distinct whole numbers")
    }
    return (.regression, "\(quotedExcerpt(names[0])) holds numbers with \(distinct.count) distinct values")
  }

  /// Gives `dataset` the targets read from `fields` (row after row, one per column) for `task`.
  private func setTargets(
    of dataset: inout Dataset, task: Task, fields: [(text: String, line: Int)], names: [String], columns: [Int],
    classNames given: [String]?
  ) throws {
    func location(_ i: Int) -> InputLocation {
      InputLocation(file: file, line: fields[i].line, column: columns[i % columns.count] + 1)
    }
    switch task {
    case .classification:
      guard columns.count == 1 else {
        throw DataError.malformed(
          InputLocation(file: file, line: 1), expected: "one target column for classification (several are multi-label)",
          found: "\(columns.count): \(Self.list(names))")
      }
      var classNames = given ?? [], labels: [Int] = []
      var classIndex = [String: Int]()
      for (i, name) in classNames.enumerated() where classIndex[name] == nil { classIndex[name] = i }
      for (i, field) in fields.enumerated() {
        if let index = classIndex[field.text] {
          labels.append(index)
        } else if let given {
          throw DataError.malformed(location(i), expected: "one of the classes \(Self.list(given))", found: quotedExcerpt(field.text))
        } else {
          classIndex[field.text] = classNames.count
          labels.append(classNames.count)
          classNames.append(field.text)
        }
      }
      if given == nil { (classNames, labels) = Self.sorted(classNames, labels) }
      dataset.labels = labels
      dataset.classNames = classNames
      dataset.task = .classification
    case .regression, .multiLabel:
      var values: [Float] = []
      values.reserveCapacity(fields.count)
      for (i, field) in fields.enumerated() {
        let value = Self.isDecimal(field.text.utf8) ? Float(field.text) : nil
        guard let value, value.isFinite, task == .regression || value == 0 || value == 1 else {
          throw DataError.malformed(
            location(i),
            expected: task == .regression
              ? "a finite number for the regression target \(quotedExcerpt(names[i % names.count]))"
              : "0 or 1 for the label \(quotedExcerpt(names[i % names.count]))",
            found: quotedExcerpt(field.text))
        }
        values.append(value)
      }
      try dataset.setTargets(values, names: names, task: task)
      if task == .multiLabel { dataset.classNames = names }
    }
  }

  /// The position of the label column in `header`.
  private func labelIndex(_ column: CSVReader.LabelColumn?, header: [String], line: Int) throws -> Int? {
    let location = InputLocation(file: file, line: line)
    switch column {
    case nil:
      return nil
    case .index(let index)?:
      guard header.indices.contains(index) else {
        throw DataError.malformed(
          location, expected: "a label column index from 0 to \(header.count - 1) (counting from 0)",
          found: "\(index)")
      }
      return index
    case .name(let wanted)?:
      let name = wanted.trimmingSpaces
      let matches = header.indices.filter { header[$0] == name }
      guard let first = matches.first else {
        let looksLikeData = header.allSatisfy { Self.isDecimal($0.utf8) }
        throw DataError.malformed(
          location, expected: "a column named \(quotedExcerpt(name)) for the labels",
          found: "the columns \(Self.list(header))\(looksLikeData ? " (numbers: is the header row missing?)" : "")")
      }
      guard matches.count == 1 else {
        throw DataError.malformed(
          location, expected: "one column named \(quotedExcerpt(name)) for the labels",
          found: "\(matches.count): columns \(matches.map { String($0 + 1) }.joined(separator: ", "))")
      }
      return first
    }
  }

  /// The classes sorted (numerically when all are numbers), and the labels renumbered to match.
  private static func sorted(_ names: [String], _ labels: [Int]) -> ([String], [Int]) {
    let values = names.map { name in isDecimal(name.utf8) ? Double(name) : nil }
    let order: [Int]
    if values.allSatisfy({ $0 != nil }) {
      order = names.indices.sorted { (values[$0]!, names[$0]) < (values[$1]!, names[$1]) }
    } else {
      order = names.indices.sorted { names[$0] < names[$1] }
    }
    var newIndex = [Int](repeating: 0, count: names.count)
    for (new, old) in order.enumerated() { newIndex[old] = new }
    return (order.map { names[$0] }, labels.map { newIndex[$0] })
  }

  /// 'a', 'b', 'c', at most 20 of them.
  private static func list(_ names: [String]) -> String {
    let shown = names.prefix(20).map { quotedExcerpt($0) }.joined(separator: ", ")
    return names.count > 20 ? "\(shown), … (\(names.count) in all)" : shown
  }

  // MARK: Rows and fields

  /// Reads the next row into `fields` and returns the line it starts on, or nil at the end of the file.
  mutating func nextRow() throws -> Int? {
    let n = bytes.count
    while position < n {  // blank lines
      if bytes[position] == .lineFeed {
        position += 1
      } else if bytes[position] == .carriageReturn {
        position += position + 1 < n && bytes[position + 1] == .lineFeed ? 2 : 1
      } else {
        break
      }
      line += 1
    }
    guard position < n else { return nil }
    fields.removeAll(keepingCapacity: true)
    fieldCount = 0
    let rowLine = line
    while true {
      var p = position
      while p < n && (bytes[p] == .space || bytes[p] == .tab) { p += 1 }
      if p < n && bytes[p] == .quote {
        let openLine = line
        p += 1
        let start = p
        var escapes = false
        while true {
          guard p < n else {
            throw DataError.malformed(
              InputLocation(file: file, line: openLine, column: fieldCount + 1),
              expected: "a closing quote for the field that opens here", found: "the end of the file")
          }
          if bytes[p] == .quote {
            guard p + 1 < n && bytes[p + 1] == .quote else { break }
            escapes = true
            p += 2
            continue
          }
          if bytes[p] == .lineFeed { line += 1 }
          p += 1
        }
        keep(Field(start: start, end: p, line: openLine, quoted: true, escapes: escapes))
        p += 1
        while p < n && (bytes[p] == .space || bytes[p] == .tab) { p += 1 }
        if p < n && bytes[p] != .comma && bytes[p] != .lineFeed && bytes[p] != .carriageReturn {
          throw DataError.malformed(
            InputLocation(file: file, line: line, column: fieldCount),
            expected: "a comma or the end of the line after the closing quote",
            found: quotedExcerpt(String(decoding: [bytes[p]], as: UTF8.self)))
        }
      } else {
        while p < n && bytes[p] != .comma && bytes[p] != .lineFeed && bytes[p] != .carriageReturn { p += 1 }
        keep(Field(start: position, end: p, line: line, quoted: false, escapes: false))
      }
      if p < n && bytes[p] == .comma {
        position = p + 1
        continue
      }
      if p < n {
        p += bytes[p] == .carriageReturn && p + 1 < n && bytes[p + 1] == .lineFeed ? 2 : 1
        line += 1
      }
      position = p
      return rowLine
    }
  }

  /// Counts `field`, and keeps it while the row has no more than `fieldLimit`.
  private mutating func keep(_ field: Field) {
    fieldCount += 1
    if fields.count < fieldLimit { fields.append(field) }
  }

  /// The text of `field`: unquoted, or trimmed of spaces and tabs when it was not quoted.
  func text(_ field: Field) -> String {
    let range = field.quoted ? field.start..<field.end : trimmed(field)
    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    return field.escapes ? text.replacingDoubledQuotes : text
  }

  /// The bytes of `field` without the spaces and tabs around them.
  private func trimmed(_ field: Field) -> Range<Int> {
    var start = field.start, end = field.end
    while start < end && (bytes[start] == .space || bytes[start] == .tab) { start += 1 }
    while end > start && (bytes[end - 1] == .space || bytes[end - 1] == .tab) { end -= 1 }
    return start..<end
  }

  // MARK: Numbers

  /// The finite `Float` that `field` holds, in column `column` (from 0).
  private func number(_ field: Field, column: Int, name: String) throws -> Float {
    let range = trimmed(field)
    if let value = Self.decimal(bytes[range]), value.isFinite { return value }
    // Only the start of the field: `quoted` shows 40 characters of it.
    let shown = field.escapes ? text(field) : String(decoding: UnsafeBufferPointer(rebasing: bytes[range.prefix(160)]), as: UTF8.self)
    let location = InputLocation(file: file, line: field.line, column: column + 1)
    if range.isEmpty || isMissing(field) {
      throw DataError.malformed(
        location, expected: "a finite number in feature \(quotedExcerpt(name)) (missing values can be dropped or filled with the column mean)",
        found: range.isEmpty ? "an empty field" : quotedExcerpt(shown))
    }
    if Self.isDecimal(bytes[range]) {
      throw DataError.malformed(
        location, expected: "a finite number in feature \(quotedExcerpt(name))", found: "\(quotedExcerpt(shown)), which is beyond Float's range (±3.4e38)")
    }
    let word = shown.lowercased().drop { $0 == "+" || $0 == "-" }
    if word == "nan" || word == "inf" || word == "infinity" {
      throw DataError.malformed(location, expected: "a finite number in feature \(quotedExcerpt(name))", found: quotedExcerpt(shown))
    }
    throw DataError.malformed(
      location, expected: "a number in feature \(quotedExcerpt(name)) (features must be numeric)", found: quotedExcerpt(shown))
  }

  /// Whether `text` is a decimal number: an optional sign, digits with an optional point (at least one digit),
  /// and an optional exponent `e` or `E` with an optional sign and digits.
  static func isDecimal<Bytes: Collection<UInt8>>(_ text: Bytes) -> Bool {
    var i = text.startIndex
    let end = text.endIndex
    if i < end && (text[i] == .plus || text[i] == .minus) { i = text.index(after: i) }
    var digits = 0
    while i < end && text[i].isDigit { digits += 1; i = text.index(after: i) }
    if i < end && text[i] == .point {
      i = text.index(after: i)
      while i < end && text[i].isDigit { digits += 1; i = text.index(after: i) }
    }
    guard digits > 0 else { return false }
    if i < end && (text[i] == .lowerE || text[i] == .upperE) {
      i = text.index(after: i)
      if i < end && (text[i] == .plus || text[i] == .minus) { i = text.index(after: i) }
      guard i < end && text[i].isDigit else { return false }
      while i < end && text[i].isDigit { i = text.index(after: i) }
    }
    return i == end
  }

  /// The value of the decimal number `text` (see `isDecimal`), correctly rounded to `Float`, or nil when it is
  /// not one; ±infinity beyond `Float`'s range.
  ///
  /// Most values take the exact fast path (Clinger 1990): a significand below 2²⁴ and a power of ten up to 10¹⁰
  /// are both exact in `Float`, so one multiplication or division rounds correctly. The rest go to the standard
  /// library's correctly rounded parser.
  static func decimal(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> Float? {
    var i = text.startIndex
    let end = text.endIndex
    var negative = false
    if i < end && (text[i] == .plus || text[i] == .minus) {
      negative = text[i] == .minus
      i += 1
    }
    var significand: UInt64 = 0
    var significantDigits = 0, fractionDigits = 0, digits = 0
    while i < end && text[i].isDigit {
      if significand != 0 || text[i] != .digitZero { significantDigits += 1 }
      if significantDigits <= 19 { significand = significand &* 10 &+ UInt64(text[i] &- .digitZero) }
      digits += 1
      i += 1
    }
    if i < end && text[i] == .point {
      i += 1
      while i < end && text[i].isDigit {
        if significand != 0 || text[i] != .digitZero { significantDigits += 1 }
        if significantDigits <= 19 { significand = significand &* 10 &+ UInt64(text[i] &- .digitZero) }
        digits += 1
        fractionDigits += 1
        i += 1
      }
    }
    guard digits > 0 else { return nil }
    var exponent = 0
    if i < end && (text[i] == .lowerE || text[i] == .upperE) {
      i += 1
      var negativeExponent = false
      if i < end && (text[i] == .plus || text[i] == .minus) {
        negativeExponent = text[i] == .minus
        i += 1
      }
      guard i < end && text[i].isDigit else { return nil }
      while i < end && text[i].isDigit {
        exponent = min(exponent * 10 + Int(text[i] &- .digitZero), 1_000_000)
        i += 1
      }
      if negativeExponent { exponent = -exponent }
    }
    guard i == end else { return nil }
    let power = exponent - fractionDigits
    if significantDigits <= 19 && significand <= 1 << 24 && abs(power) <= 10 {
      let magnitude =
        power >= 0 ? Float(significand) * powersOfTen[power] : Float(significand) / powersOfTen[-power]
      return negative ? -magnitude : magnitude
    }
    return Float(String(decoding: UnsafeBufferPointer(rebasing: text), as: UTF8.self))
  }

  /// 10⁰ … 10¹⁰, each exact in `Float`.
  private static let powersOfTen: [Float] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10]
}

extension UInt8 {
  fileprivate static let tab = UInt8(ascii: "\t")
  fileprivate static let lineFeed = UInt8(ascii: "\n")
  fileprivate static let carriageReturn = UInt8(ascii: "\r")
  fileprivate static let space = UInt8(ascii: " ")
  fileprivate static let quote = UInt8(ascii: "\"")
  fileprivate static let plus = UInt8(ascii: "+")
  fileprivate static let comma = UInt8(ascii: ",")
  fileprivate static let minus = UInt8(ascii: "-")
  fileprivate static let point = UInt8(ascii: ".")
  fileprivate static let digitZero = UInt8(ascii: "0")
  fileprivate static let upperE = UInt8(ascii: "E")
  fileprivate static let lowerE = UInt8(ascii: "e")

  fileprivate var isDigit: Bool { self &- .digitZero < 10 }
}

extension String {
  /// The text with each doubled quote ("") made one.
  fileprivate var replacingDoubledQuotes: String {
    var result = ""
    var previousWasQuote = false
    for character in self {
      if character == "\"" && previousWasQuote {
        previousWasQuote = false
        continue
      }
      previousWasQuote = character == "\""
      result.append(character)
    }
    return result
  }

  /// The text without spaces and tabs at either end.
  fileprivate var trimmingSpaces: String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
  }
}
