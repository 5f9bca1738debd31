import Backprop
import Foundation
import Testing

@Suite("CSV reader")
struct CSVReaderTests {
  /// Writes `text` to a temporary file, reads it, and keeps the directory alive until the test ends.
  private func read(
    _ text: String, labelColumn: CSVReader.LabelColumn?, classNames: [String]? = nil, in directory: DataScratchDirectory
  ) throws -> Dataset {
    try CSVReader.read(directory.write(text, to: "data.csv"), labelColumn: labelColumn, classNames: classNames)
  }

  /// The message of reading `text` as a CSV file, and the file's path.
  private func message(
    _ text: String, labelColumn: CSVReader.LabelColumn? = .name("label"), classNames: [String]? = nil
  ) throws -> (String?, String) {
    let directory = try DataScratchDirectory()
    let file = try directory.write(text, to: "data.csv")
    return (dataErrorMessage { try CSVReader.read(file, labelColumn: labelColumn, classNames: classNames) }, file)
  }

  // MARK: Reading

  @Test("string labels become classes sorted by their text")
  func stringLabels() throws {
    let directory = try DataScratchDirectory()
    let data = try read(
      "a,b,species\n1,2,virginica\n3,4,setosa\n5,6,virginica\n7,8,versicolor\n", labelColumn: .name("species"),
      in: directory)
    #expect(data.count == 4)
    #expect(data.featureCount == 2)
    #expect(data.features == .floats([1, 2, 3, 4, 5, 6, 7, 8]))
    #expect(data.classNames == ["setosa", "versicolor", "virginica"])
    #expect(data.labels == [2, 0, 2, 1])
    #expect(data.featureNames == ["a", "b"])
    #expect(data.source == directory.path + "/data.csv")
  }

  @Test("numeric labels are sorted by value, not as text")
  func numericLabels() throws {
    let directory = try DataScratchDirectory()
    let data = try read("x,y\n1,10\n2,2\n3,-1.5\n4,1e1\n5,2\n", labelColumn: .name("y"), in: directory)
    #expect(data.classNames == ["-1.5", "2", "10", "1e1"])
    #expect(data.labels == [2, 1, 0, 3, 1])
  }

  @Test("the label column may be named or counted from 0, anywhere in the row")
  func labelByNameAndIndex() throws {
    let directory = try DataScratchDirectory()
    let text = "kind, w ,h\ncat,1,2\ndog,3,4\n"
    let byName = try read(text, labelColumn: .name("kind"), in: directory)
    let byIndex = try read(text, labelColumn: .index(0), in: directory)
    #expect(byName.features == .floats([1, 2, 3, 4]))
    #expect(byName.featureNames == ["w", "h"])
    #expect(byName.labels == [0, 1])
    #expect(byIndex.features == byName.features && byIndex.labels == byName.labels)
    #expect(byIndex.classNames == byName.classNames)
    let last = try read("w,h,kind\n1,2,cat\n3,4,dog\n", labelColumn: .index(2), in: directory)
    #expect(last.features == byName.features && last.labels == byName.labels)
  }

  @Test("given class names keep their order and indices")
  func givenClassNames() throws {
    let directory = try DataScratchDirectory()
    let data = try read(
      "a,label\n1,dog\n2,cat\n", labelColumn: .name("label"), classNames: ["cat", "bird", "dog"], in: directory)
    #expect(data.classNames == ["cat", "bird", "dog"])
    #expect(data.labels == [2, 0])
  }

  @Test("without a label column every column is a feature and there are no labels")
  func noLabels() throws {
    let directory = try DataScratchDirectory()
    let data = try read("a,b,c\n1,2,3\n4,5,6\n", labelColumn: nil, in: directory)
    #expect(data.labels == nil)
    #expect(data.featureCount == 3)
    #expect(data.featureNames == ["a", "b", "c"])
    #expect(data.features == .floats([1, 2, 3, 4, 5, 6]))
  }

  @Test("numbers with signs, exponents, points and spaces; quoted fields; CRLF; no final newline; a BOM; blank lines")
  func lenientSyntax() throws {
    let directory = try DataScratchDirectory()
    let text =
      "\u{FEFF}p,q,r,\"name, full\"\r\n  1 ,+2.5,-3e-2,\"Smith, \"\"Jo\"\"\"\r\n\r\n.5,2.,\"7\",\"two\nlines\"\r\n1E3, -0 ,0.1,x"
    let data = try read(text, labelColumn: .index(3), in: directory)
    #expect(data.features == .floats([1, 2.5, -0.03, 0.5, 2, 7, 1000, -0.0, 0.1]))
    #expect(data.featureNames == ["p", "q", "r"])
    #expect(data.classNames == ["Smith, \"Jo\"", "two\nlines", "x"])
    #expect(data.labels == [0, 1, 2])
  }

  @Test("every decimal is rounded to Float exactly as the standard library rounds it")
  func correctRounding() throws {
    var generator = SeededGenerator(seed: 7)
    var texts: [String] = []
    for _ in 0..<3000 {
      let digits = String(generator.next() % 100_000_000_000)
      let point = Int(generator.next() % UInt64(digits.count + 1))
      var text = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
      if text == "." { text = "0" }
      switch generator.next() % 3 {
      case 0: text += "e\(Int(generator.next() % 51) - 25)"
      case 1: text = "-" + text
      default: break
      }
      texts.append(text)
    }
    let directory = try DataScratchDirectory()
    let data = try read("v\n" + texts.joined(separator: "\n"), labelColumn: nil, in: directory)
    let expected = texts.map { Float($0)! }
    guard case .floats(let values) = data.features else {
      Issue.record("expected floats")
      return
    }
    for (text, (value, want)) in zip(texts, zip(values, expected)) where value.bitPattern != want.bitPattern {
      Issue.record("\(text): read \(value), the standard library reads \(want)")
    }
  }

  @Test("a gzipped CSV file is read like a plain one")
  func gzipped() throws {
    let data = try CSVReader.read(DataFixtures.path("csv/measurements.csv.gz"), labelColumn: .name("kind"))
    #expect(data.features == .floats([1.5, 2, -30, 0.25, 4, 5]))
    #expect(data.classNames == ["cat", "dog"])
    #expect(data.labels == [0, 1, 0])
  }

  // MARK: Errors

  @Test("an empty file")
  func emptyFile() throws {
    let (text, file) = try message("")
    #expect(text == "\(file), line 1: expected a header row of column names, found an empty file")
    let (blank, blankFile) = try message("\n\r\n")
    #expect(blank == "\(blankFile), line 1: expected a header row of column names, found an empty file")
  }

  @Test("a header without data rows")
  func headerOnly() throws {
    let (text, file) = try message("a,label\n")
    #expect(text == "\(file), line 2: expected data rows after the header, found none")
    let (noNewline, noNewlineFile) = try message("a,label")
    #expect(noNewline == "\(noNewlineFile), line 1: expected data rows after the header, found none")
  }

  @Test("a label column that is not in the header names it and lists the header")
  func missingLabelColumn() throws {
    let (text, file) = try message("a,b,kind\n1,2,x\n", labelColumn: .name("species"))
    #expect(text == "\(file), line 1: expected a column named 'species' for the labels, found the columns 'a', 'b', 'kind'")
    let (noHeader, noHeaderFile) = try message("1,2,0\n3,4,1\n", labelColumn: .name("label"))
    #expect(
      noHeader == "\(noHeaderFile), line 1: expected a column named 'label' for the labels, found the columns '1', '2', '0' (numbers: is the header row missing?)")
    let (index, indexFile) = try message("a,b,kind\n1,2,x\n", labelColumn: .index(3))
    #expect(index == "\(indexFile), line 1: expected a label column index from 0 to 2 (counting from 0), found 3")
    let (twice, twiceFile) = try message("label,b,label\n1,2,x\n")
    #expect(twice == "\(twiceFile), line 1: expected one column named 'label' for the labels, found 2: columns 1, 3")
    let (only, onlyFile) = try message("label\nx\n")
    #expect(only == "\(onlyFile), line 1: expected at least one feature column besides the target column 'label', found only the target column")
  }

  @Test("a row with a different number of fields than the header")
  func raggedRows() throws {
    let (fewer, file) = try message("a,b,label\n1,2,x\n3,y\n")
    #expect(fewer == "\(file), line 3: expected 3 fields as in the header, found 2")
    let (more, moreFile) = try message("a,b,label\r\n1,2,x\r\n\r\n3,4,y,5\r\n")
    #expect(more == "\(moreFile), line 4: expected 3 fields as in the header, found 4")
  }

  @Test("a feature that is not a number")
  func notANumber() throws {
    let (text, file) = try message("a,b,label\n1,2,x\n3,abc,y\n")
    #expect(text == "\(file), line 3, column 2: expected a number in feature 'b' (features must be numeric), found 'abc'")
    let (hex, hexFile) = try message("a,label\n0x1F,x\n")
    #expect(hex == "\(hexFile), line 2, column 1: expected a number in feature 'a' (features must be numeric), found '0x1F'")
    let (label, labelFile) = try message("kind,b\ncat,1\n", labelColumn: .index(1))
    #expect(label == "\(labelFile), line 2, column 1: expected a number in feature 'kind' (features must be numeric), found 'cat'")
  }

  @Test("NaN, infinities, empty fields and numbers beyond Float's range are not finite numbers")
  func notFinite() throws {
    for (field, found) in [
      ("nan", "'nan'"), ("NaN", "'NaN'"), ("-inf", "'-inf'"), ("Infinity", "'Infinity'"), ("", "an empty field"),
      ("  ", "an empty field"), ("1e39", "'1e39', which is beyond Float's range (±3.4e38)"),
    ] {
      let (text, file) = try message("a,b,label\n1,2,x\n3,\(field),y\n")
      let missing = found == "an empty field" || found.lowercased() == "'nan'"
      let hint = missing ? " (missing values can be dropped or filled with the column mean)" : ""
      #expect(text == "\(file), line 3, column 2: expected a finite number in feature 'b'\(hint), found \(found)")
    }
  }

  @Test("an empty label")
  func emptyLabel() throws {
    let (text, file) = try message("a,label\n1,x\n2, \n")
    #expect(text == "\(file), line 3, column 2: expected a value for the target 'label', found an empty field")
  }

  @Test("a label outside the given classes names the line, the column and the classes")
  func unknownLabel() throws {
    let (text, file) = try message("a,label\n1,cat\n2,cow\n", classNames: ["cat", "dog"])
    #expect(text == "\(file), line 3, column 2: expected one of the classes 'cat', 'dog', found 'cow'")
  }

  @Test("quotes that do not close, or text after a closing quote")
  func badQuotes() throws {
    let (open, file) = try message("a,label\n1,\"cat\n2,dog\n")
    #expect(open == "\(file), line 2, column 2: expected a closing quote for the field that opens here, found the end of the file")
    let (after, afterFile) = try message("a,label\n\"1\"2,cat\n")
    #expect(after == "\(afterFile), line 2, column 1: expected a comma or the end of the line after the closing quote, found '2'")
  }

  @Test("lines are counted across quoted line breaks")
  func linesAfterQuotedBreaks() throws {
    let (text, file) = try message("a,label\n1,\"two\nlines\"\nbad,x\n")
    #expect(text == "\(file), line 4, column 1: expected a number in feature 'a' (features must be numeric), found 'bad'")
  }

  @Test("a file that does not exist")
  func missingFile() throws {
    let directory = try DataScratchDirectory()
    let file = directory.path + "/none.csv"
    #expect(dataErrorMessage { try CSVReader.read(file, labelColumn: nil) } == "\(file): cannot read: the file does not exist")
  }

  @Test("a 1 MB field gets a short message: the field is clipped to 40 characters, whatever its length")
  func hugeField() throws {
    for field in [String(repeating: "2", count: 1_000_000), String(repeating: "x", count: 1_000_000)] {
      let (text, _) = try message("a,b,label\n1,\(field),x\n")
      let found = try #require(text)
      #expect(found.count < 300, "\(found.prefix(200))")
      #expect(found.contains("'\(field.prefix(40))…'"))
    }
  }
}
