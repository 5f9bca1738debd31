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
    let bytes = try DataFile.contents(of: path)
    return try bytes.withUnsafeBufferPointer { buffer in
      var parser = CSVParser(bytes: buffer, file: path)
      return try parser.dataset(labelColumn: labelColumn, classNames: classNames)
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
  /// The fields of the row `nextRow()` read last.
  var fields: [Field] = []

  init(bytes: UnsafeBufferPointer<UInt8>, file: String) {
    self.bytes = bytes
    self.file = file
    if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { position = 3 }
  }

  // MARK: The data set

  mutating func dataset(labelColumn: CSVReader.LabelColumn?, classNames given: [String]?) throws -> Dataset {
    guard let headerLine = try nextRow() else {
      throw DataError.malformed(
        InputLocation(file: file, line: 1), expected: "a header row of column names", found: "an empty file")
    }
    let header = fields.map { text($0) }
    let firstDataLine = line
    let label = try labelIndex(labelColumn, header: header, line: headerLine)
    let featureColumns = header.indices.filter { $0 != label }
    if let label, featureColumns.isEmpty {
      throw DataError.malformed(
        InputLocation(file: file, line: headerLine),
        expected: "at least one feature column besides the label column '\(header[label])'",
        found: "only the label column")
    }

    var lineCount = 0
    for byte in bytes where byte == 0x0A { lineCount += 1 }
    var values: [Float] = []
    values.reserveCapacity(lineCount * featureColumns.count)
    var labels: [Int] = []
    var classNames = given ?? []
    var classIndex = [String: Int]()
    for (i, name) in classNames.enumerated() where classIndex[name] == nil { classIndex[name] = i }

    var count = 0
    while let row = try nextRow() {
      guard fields.count == header.count else {
        throw DataError.malformed(
          InputLocation(file: file, line: row), expected: "\(header.count) fields as in the header",
          found: "\(fields.count)")
      }
      for column in 0..<fields.count where column != label {
        values.append(try number(fields[column], column: column))
      }
      if let label {
        let field = fields[label]
        let name = text(field)
        guard !name.isEmpty else {
          throw DataError.malformed(
            InputLocation(file: file, line: field.line, column: label + 1), expected: "a label",
            found: "an empty field")
        }
        if let index = classIndex[name] {
          labels.append(index)
        } else if let given {
          throw DataError.malformed(
            InputLocation(file: file, line: field.line, column: label + 1),
            expected: "one of the classes \(list(given))", found: "'\(name)'")
        } else {
          classIndex[name] = classNames.count
          labels.append(classNames.count)
          classNames.append(name)
        }
      }
      count += 1
    }
    guard count > 0 else {
      throw DataError.malformed(
        InputLocation(file: file, line: firstDataLine), expected: "data rows after the header", found: "none")
    }
    if label != nil && given == nil {
      (classNames, labels) = Self.sorted(classNames, labels)
    }
    return try Dataset(
      features: .floats(values), count: count, featureCount: featureColumns.count,
      labels: label == nil ? nil : labels, classNames: classNames, featureNames: featureColumns.map { header[$0] },
      source: file)
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
          location, expected: "a column named '\(name)' for the labels",
          found: "the columns \(list(header))\(looksLikeData ? " (numbers: is the header row missing?)" : "")")
      }
      guard matches.count == 1 else {
        throw DataError.malformed(
          location, expected: "one column named '\(name)' for the labels",
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
  private func list(_ names: [String]) -> String {
    let shown = names.prefix(20).map { "'\($0)'" }.joined(separator: ", ")
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
              InputLocation(file: file, line: openLine, column: fields.count + 1),
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
        fields.append(Field(start: start, end: p, line: openLine, quoted: true, escapes: escapes))
        p += 1
        while p < n && (bytes[p] == .space || bytes[p] == .tab) { p += 1 }
        if p < n && bytes[p] != .comma && bytes[p] != .lineFeed && bytes[p] != .carriageReturn {
          throw DataError.malformed(
            InputLocation(file: file, line: line, column: fields.count),
            expected: "a comma or the end of the line after the closing quote",
            found: "'\(String(decoding: [bytes[p]], as: UTF8.self))'")
        }
      } else {
        while p < n && bytes[p] != .comma && bytes[p] != .lineFeed && bytes[p] != .carriageReturn { p += 1 }
        fields.append(Field(start: position, end: p, line: line, quoted: false, escapes: false))
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
  private func number(_ field: Field, column: Int) throws -> Float {
    let range = trimmed(field)
    if let value = Self.decimal(bytes[range]), value.isFinite { return value }
    let shown = field.escapes ? text(field) : String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    let location = InputLocation(file: file, line: field.line, column: column + 1)
    if range.isEmpty {
      throw DataError.malformed(location, expected: "a finite number", found: "an empty field")
    }
    if Self.isDecimal(bytes[range]) {
      throw DataError.malformed(
        location, expected: "a finite number", found: "'\(shown)', which is beyond Float's range (±3.4e38)")
    }
    let word = shown.lowercased().drop { $0 == "+" || $0 == "-" }
    if word == "nan" || word == "inf" || word == "infinity" {
      throw DataError.malformed(location, expected: "a finite number", found: "'\(shown)'")
    }
    let quoted = shown.count > 40 ? shown.prefix(40) + "…" : Substring(shown)
    throw DataError.malformed(location, expected: "a number", found: "'\(quoted)'")
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
