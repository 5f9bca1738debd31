/// Where in a file a problem is: the file, and a line and column (CSV) or a byte offset (IDX, gzip).
public struct InputLocation: Sendable, Hashable, CustomStringConvertible {
  public var file: String
  public var line: Int?
  public var column: Int?
  public var byteOffset: Int?

  public init(file: String, line: Int? = nil, column: Int? = nil, byteOffset: Int? = nil) {
    self.file = file
    self.line = line
    self.column = column
    self.byteOffset = byteOffset
  }

  /// `file, line 3, column 5`, `file, byte 16`, or `file`.
  public var description: String {
    var parts = [file]
    if let line { parts.append(column.map { "line \(line), column \($0)" } ?? "line \(line)") }
    if let byteOffset { parts.append("byte \(byteOffset)") }
    return parts.joined(separator: ", ")
  }
}

/// A data file that cannot be read as expected. Every case says where and what was expected, and `description`
/// is one sentence with the location first:
/// `train-labels-idx1-ubyte.gz, byte 8: expected 60000 labels, found 59872 (the file ends early)`.
public enum DataError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The file's content is not what its format requires at `location`.
  case malformed(InputLocation, expected: String, found: String)
  /// The file could not be opened or read at all.
  case unreadable(file: String, reason: String)
  /// Parts that were each well-formed do not fit together (images and labels of different counts, a label
  /// outside the classes).
  case inconsistent(source: String, detail: String)

  public var description: String {
    switch self {
    case let .malformed(location, expected, found):
      return "\(location): expected \(expected), found \(found)"
    case let .unreadable(file, reason):
      return "\(file): cannot read: \(reason)"
    case let .inconsistent(source, detail):
      return "\(source): \(detail)"
    }
  }
}

/// `'text'` as messages quote what a file holds: clipped to 40 characters, so that a 10 MB field or column name
/// makes a short message.
func quotedExcerpt(_ text: some StringProtocol) -> String {
  text.prefix(41).count > 40 ? "'\(text.prefix(40))…'" : "'\(text)'"
}
