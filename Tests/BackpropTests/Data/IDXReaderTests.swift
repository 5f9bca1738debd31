import Backprop
import Foundation
import Testing

@Suite("IDX reader")
struct IDXReaderTests {
  let images = DataFixtures.path("idx/train-images-idx3-ubyte")
  let labels = DataFixtures.path("idx/train-labels-idx1-ubyte")

  // MARK: Reading

  @Test("reads the tiny fixture's pixels, labels and shape")
  func tinyFixture() throws {
    let data = try IDXReader.read(images: images, labels: labels)
    #expect(data.count == 5)
    #expect(data.featureCount == 4 * 3)
    #expect(data.features == .bytes(DataFixtures.pixels))
    #expect(data.labels == DataFixtures.labels)
    #expect(data.classNames == ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"])
    #expect(data.featureNames.isEmpty)
    #expect(data.source == "\(images) and \(labels)")
  }

  @Test("gzipped and plain files give identical data sets")
  func gzipMatchesPlain() throws {
    let plain = try IDXReader.read(images: images, labels: labels)
    let gzipped = try IDXReader.read(
      images: DataFixtures.path("idx/t10k-images-idx3-ubyte.gz"), labels: DataFixtures.path("idx/t10k-labels-idx1-ubyte.gz"))
    #expect(gzipped.features == plain.features)
    #expect(gzipped.labels == plain.labels)
    #expect(gzipped.classNames == plain.classNames)
    #expect(gzipped.count == plain.count && gzipped.featureCount == plain.featureCount)
  }

  @Test("gzip is recognized by its magic number, not the file name")
  func gzipByMagicNumber() throws {
    let directory = try DataScratchDirectory()
    let renamed = try directory.write(DataFixtures.bytes("idx/t10k-images-idx3-ubyte.gz"), to: "images.bin")
    let plainNamedGz = try directory.write(DataFixtures.bytes("idx/train-labels-idx1-ubyte"), to: "labels.gz")
    let data = try IDXReader.read(images: renamed, labels: plainNamedGz)
    #expect(data.features == .bytes(DataFixtures.pixels))
    #expect(data.labels == DataFixtures.labels)
  }

  @Test("concatenated gzip members are read one after another")
  func concatenatedMembers() throws {
    let data = try IDXReader.read(images: DataFixtures.path("idx/two-members-images-idx3-ubyte.gz"), labels: nil)
    #expect(data.features == .bytes(DataFixtures.pixels))
  }

  @Test("images without labels give a data set without labels")
  func imagesOnly() throws {
    let data = try IDXReader.read(images: images, labels: nil)
    #expect(data.labels == nil)
    #expect(data.count == 5)
    #expect(data.source == images)
  }

  @Test("labels above 9 extend the classes to the largest label")
  func moreThanTenClasses() throws {
    let directory = try DataScratchDirectory()
    let imagesFile = try directory.write(idxFile(magic: 0x803, sizes: [3, 1, 2], data: [1, 2, 3, 4, 5, 6]), to: "i")
    let labelsFile = try directory.write(idxFile(magic: 0x801, sizes: [3], data: [12, 0, 5]), to: "l")
    let data = try IDXReader.read(images: imagesFile, labels: labelsFile)
    #expect(data.classNames == (0...12).map { String($0) })
    #expect(data.labels == [12, 0, 5])
  }

  @Test("a directory's train and test splits are found by MNIST's file names, plain or gzipped")
  func directorySplits() throws {
    let folder = DataFixtures.path("idx")
    let train = try IDXReader.readDirectory(folder, split: .train)
    let test = try IDXReader.readDirectory(folder + "/", split: .test)
    #expect(train.features == .bytes(DataFixtures.pixels))
    #expect(train.labels == DataFixtures.labels)
    #expect(test.features == train.features && test.labels == train.labels)
    #expect(train.source == "\(folder)/train-images-idx3-ubyte and \(folder)/train-labels-idx1-ubyte")
    #expect(test.source == "\(folder)/t10k-images-idx3-ubyte.gz and \(folder)/t10k-labels-idx1-ubyte.gz")
  }

  @Test("a directory may use the names with a dot before idx")
  func dottedNames() throws {
    let directory = try DataScratchDirectory()
    try directory.write(DataFixtures.bytes("idx/train-images-idx3-ubyte"), to: "train-images.idx3-ubyte")
    try directory.write(DataFixtures.bytes("idx/t10k-labels-idx1-ubyte.gz"), to: "train-labels.idx1-ubyte.gz")
    let data = try IDXReader.readDirectory(directory.path, split: .train)
    #expect(data.labels == DataFixtures.labels)
  }

  @Test("the MNIST test set bundled in data/mnist has 10000 images with the known labels",
        .enabled(if: FileManager.default.fileExists(atPath: DataFixtures.packageRoot + "/data/mnist")))
  func mnistTestSet() throws {
    let data = try IDXReader.readDirectory(DataFixtures.packageRoot + "/data/mnist", split: .test)
    #expect(data.count == 10_000)
    #expect(data.featureCount == 784)
    // The first ten test labels and the count of each digit, as published for MNIST.
    #expect(data.labels?.prefix(10) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
    var counts = [Int](repeating: 0, count: 10)
    for label in data.labels ?? [] { counts[label] += 1 }
    #expect(counts == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
  }

  // MARK: Missing files

  @Test("a directory without the files names it and the file names looked for")
  func directoryWithoutFiles() throws {
    let directory = try DataScratchDirectory()
    #expect(
      dataErrorMessage { try IDXReader.readDirectory(directory.path, split: .test) }
        == "\(directory.path): cannot read: found no test images (looked for t10k-images-idx3-ubyte, "
        + "t10k-images-idx3-ubyte.gz, t10k-images.idx3-ubyte, t10k-images.idx3-ubyte.gz) and no test labels "
        + "(looked for t10k-labels-idx1-ubyte, t10k-labels-idx1-ubyte.gz, t10k-labels.idx1-ubyte, "
        + "t10k-labels.idx1-ubyte.gz)")
    try directory.write(DataFixtures.bytes("idx/train-images-idx3-ubyte"), to: "train-images-idx3-ubyte")
    #expect(
      dataErrorMessage { try IDXReader.readDirectory(directory.path, split: .train) }
        == "\(directory.path): cannot read: found no training labels (looked for train-labels-idx1-ubyte, "
        + "train-labels-idx1-ubyte.gz, train-labels.idx1-ubyte, train-labels.idx1-ubyte.gz)")
  }

  @Test("a missing directory or file says so")
  func missing() throws {
    let directory = try DataScratchDirectory()
    let nowhere = directory.path + "/nowhere"
    #expect(
      dataErrorMessage { try IDXReader.readDirectory(nowhere, split: .train) }
        == "\(nowhere): cannot read: the directory does not exist")
    #expect(
      dataErrorMessage { try IDXReader.readDirectory(images, split: .train) }
        == "\(images): cannot read: it is a file, not a directory")
    #expect(
      dataErrorMessage { try IDXReader.read(images: nowhere, labels: nil) }
        == "\(nowhere): cannot read: the file does not exist")
    #expect(
      dataErrorMessage { try IDXReader.read(images: directory.path, labels: nil) }
        == "\(directory.path): cannot read: it is a directory, not a file")
  }

  // MARK: Malformed files

  /// The message of reading `imageBytes` (and `labelBytes`, if given) written to temporary files.
  private func message(images imageBytes: [UInt8], labels labelBytes: [UInt8]? = nil) throws -> (String?, String, String) {
    let directory = try DataScratchDirectory()
    let imagesFile = try directory.write(imageBytes, to: "images-idx3-ubyte")
    let labelsFile = try directory.write(labelBytes ?? [], to: "labels-idx1-ubyte")
    let text = dataErrorMessage { try IDXReader.read(images: imagesFile, labels: labelBytes == nil ? nil : labelsFile) }
    return (text, imagesFile, labelsFile)
  }

  private var goodImages: [UInt8] { idxFile(magic: 0x803, sizes: [5, 4, 3], data: DataFixtures.pixels) }

  @Test("an empty file")
  func emptyFile() throws {
    let (text, file, _) = try message(images: [])
    #expect(text == "\(file), byte 0: expected magic number 0x00000803 (IDX images of unsigned bytes), found an empty file")
    let (labelsText, _, labelsFile) = try message(images: goodImages, labels: [])
    #expect(
      labelsText
        == "\(labelsFile), byte 0: expected magic number 0x00000801 (IDX labels of unsigned bytes), found an empty file")
  }

  @Test("a file shorter than the magic number")
  func shorterThanMagic() throws {
    let (text, file, _) = try message(images: [0, 0])
    #expect(
      text == "\(file), byte 0: expected magic number 0x00000803 (IDX images of unsigned bytes), found 2 bytes (the file ends early)")
  }

  @Test("a wrong magic number")
  func wrongMagic() throws {
    let (text, file, _) = try message(images: Array("PK\u{3}\u{4} not idx".utf8))
    #expect(
      text == "\(file), byte 0: expected magic number 0x00000803 (IDX images of unsigned bytes), found 0x504B0304 (not an IDX file)")
    let (floats, floatsFile, _) = try message(images: idxFile(magic: 0xD03, sizes: [1, 1, 1], data: [0, 0, 0, 0]))
    #expect(
      floats == "\(floatsFile), byte 0: expected magic number 0x00000803 (IDX images of unsigned bytes), found 0x00000D03 (IDX of 32-bit floats, not unsigned bytes)")
  }

  @Test("a wrong dimension count: labels given as images and images as labels")
  func wrongDimensions() throws {
    let labelFile = idxFile(magic: 0x801, sizes: [5], data: [3, 0, 9, 1, 7])
    let (text, file, _) = try message(images: labelFile)
    #expect(
      text == "\(file), byte 3: expected 3 dimensions (images, rows, columns), magic number 0x00000803, found 1 (magic number 0x00000801, a labels file)")
    let (swapped, _, labelsFile) = try message(images: goodImages, labels: goodImages)
    #expect(
      swapped == "\(labelsFile), byte 3: expected 1 dimension (labels), magic number 0x00000801, found 3 (magic number 0x00000803, an images file)")
  }

  @Test("a header that ends early")
  func truncatedHeader() throws {
    let (text, file, _) = try message(images: [0, 0, 8, 3, 0, 0, 0, 5, 0])
    #expect(text == "\(file), byte 4: expected 12 bytes of sizes (images, rows, columns), found 5 (the file ends early)")
  }

  @Test("a size of zero")
  func zeroSize() throws {
    let (text, file, _) = try message(images: idxFile(magic: 0x803, sizes: [5, 0, 3], data: []))
    #expect(text == "\(file), byte 8: expected a positive number of rows, found 0")
  }

  @Test("image data that ends early")
  func truncatedImages() throws {
    let (text, file, _) = try message(images: Array(goodImages.dropLast(7)))
    #expect(
      text == "\(file), byte 16: expected 60 bytes of image data (5 images of 4×3), found 53 (the file ends early)")
  }

  @Test("labels that end early")
  func truncatedLabels() throws {
    let (text, _, file) = try message(images: goodImages, labels: idxFile(magic: 0x801, sizes: [5], data: [3, 0, 9]))
    #expect(text == "\(file), byte 8: expected 5 labels, found 3 (the file ends early)")
  }

  @Test("bytes after the data")
  func trailingBytes() throws {
    let (text, file, _) = try message(images: goodImages + [1, 2, 3])
    #expect(text == "\(file), byte 76: expected the end of the file after 5 images, found 3 more bytes")
    let (labelsText, _, labelsFile) = try message(
      images: goodImages, labels: idxFile(magic: 0x801, sizes: [5], data: [3, 0, 9, 1, 7, 0]))
    #expect(labelsText == "\(labelsFile), byte 13: expected the end of the file after 5 labels, found 1 more byte")
  }

  @Test("different counts of images and labels name both files and both counts")
  func countMismatch() throws {
    let (text, images, labels) = try message(images: goodImages, labels: idxFile(magic: 0x801, sizes: [4], data: [3, 0, 9, 1]))
    #expect(text == "\(images) and \(labels): expected as many labels as images, found 5 images and 4 labels")
  }

  @Test("a header claiming 2^31 images is checked against the file's length before anything is allocated")
  func hugeHeader() throws {
    let (text, file, _) = try message(images: idxFile(magic: 0x803, sizes: [1 << 31, 28, 28], data: [1, 2, 3]))
    #expect(
      text == "\(file), byte 16: expected 1683627180032 bytes of image data (2147483648 images of 28×28), found 3 (the file ends early)")
    let (overflow, overflowFile, _) = try message(
      images: idxFile(magic: 0x803, sizes: [.max, .max, .max], data: []))
    #expect(
      overflow == "\(overflowFile), byte 16: expected 4294967295 images of 4294967295×4294967295 pixels, found 0 (the file ends early)")
  }

  @Test("offsets in a gzipped file count in its inflated bytes")
  func gzippedOffsets() throws {
    let gzipped = DataFixtures.path("idx/t10k-labels-idx1-ubyte.gz")
    #expect(
      dataErrorMessage { try IDXReader.read(images: images, labels: DataFixtures.path("idx/t10k-images-idx3-ubyte.gz")) }
        == "\(DataFixtures.path("idx/t10k-images-idx3-ubyte.gz")), byte 3: expected 1 dimension (labels), magic number 0x00000801, found 3 (magic number 0x00000803, an images file)")
    #expect(
      dataErrorMessage { try IDXReader.read(images: gzipped, labels: nil) }
        == "\(gzipped), byte 3: expected 3 dimensions (images, rows, columns), magic number 0x00000803, found 1 (magic number 0x00000801, a labels file)")
  }
}
