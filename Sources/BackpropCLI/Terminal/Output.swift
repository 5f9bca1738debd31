import Foundation

/// Everything the CLI prints goes through here: JSON for scripts, aligned tables for people.
enum Output {
  /// Prints `value` as pretty JSON with sorted keys, so the output is stable.
  static func json<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
  }

  /// Rows of cells, each column padded to its widest cell; the first row is the header.
  /// Numbers read best right-aligned (`rightAligned`: every column but the first).
  static func table(_ rows: [[String]], indent: String = "  ", rightAligned: Bool = false) -> String {
    let widths = (0..<(rows.map(\.count).max() ?? 0)).map { column in
      rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
    }
    return rows.map { row in
      indent + row.enumerated().map { column, cell in
        let pad = String(repeating: " ", count: widths[column] - cell.count)
        if rightAligned && column > 0 { return pad + cell }
        return column == row.count - 1 ? cell : cell + pad
      }.joined(separator: "  ")
    }.joined(separator: "\n")
  }

  /// A number in scientific notation with 2 significant digits, for error magnitudes.
  static func magnitude(_ x: Double) -> String { String(format: "%.2e", x) }

  /// Prints a line to standard error.
  static func warn(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
  }
}
