/// A dense matrix of `Float` or `Double` values, stored row by row, with value semantics.
///
/// Matrices are shaped the way the seeds write the math: a batch of m samples is a matrix with **one column per
/// sample**, so the inputs A[0] = X are n[0] × m and a layer's weights W are n[l] × n[l−1]. Copies share storage
/// until one of them is written to (copy-on-write, through the standard library's array).
///
/// ```swift
/// let x = try Matrix<Double>(rows: [[0, 0, 1, 1],
///                                   [0, 1, 0, 1]])   // XOR inputs: 2 features × 4 samples
/// x[1, 2]          // 0: feature 2 of sample 3
/// x.shape          // 2×4
/// ```
public struct Matrix<Scalar: BackpropScalar>: Sendable, Equatable {
  /// The number of rows.
  public let rows: Int
  /// The number of columns.
  public let columns: Int
  /// The values in row-major order: element (i, j) is `scalars[i * columns + j]`.
  public private(set) var scalars: [Scalar]

  /// A `rows` × `columns` matrix with every element equal to `value`.
  public init(rows: Int, columns: Int, repeating value: Scalar = 0) {
    precondition(rows >= 0 && columns >= 0, "a matrix cannot have a negative size")
    self.rows = rows
    self.columns = columns
    self.scalars = Array(repeating: value, count: rows * columns)
  }

  /// A `rows` × `columns` matrix of the given values in row-major order.
  ///
  /// - Throws: `BackpropError.shapeMismatch` when `scalars.count` is not `rows * columns`.
  public init(rows: Int, columns: Int, scalars: [Scalar]) throws {
    guard rows >= 0, columns >= 0, scalars.count == rows * columns else {
      throw BackpropError.shapeMismatch(
        context: "Matrix(rows: \(rows), columns: \(columns))",
        expected: "\(max(rows, 0) * max(columns, 0)) values", found: "\(scalars.count)")
    }
    self.rows = rows
    self.columns = columns
    self.scalars = scalars
  }

  /// A matrix from an array of rows.
  ///
  /// - Throws: `BackpropError.shapeMismatch` naming the first row whose length differs from the first row's.
  public init(rows: [[Scalar]]) throws {
    let columns = rows.first?.count ?? 0
    for (index, row) in rows.enumerated() where row.count != columns {
      throw BackpropError.shapeMismatch(
        context: "Matrix(rows:), row \(index + 1)", expected: "\(columns) values like row 1",
        found: "\(row.count)")
    }
    self.rows = rows.count
    self.columns = columns
    self.scalars = rows.flatMap { $0 }
  }

  /// A column vector (n × 1).
  public init(column: [Scalar]) {
    self.rows = column.count
    self.columns = 1
    self.scalars = column
  }

  /// The shape, rows × columns.
  public var shape: Shape { Shape(rows: rows, columns: columns) }

  /// The element in row `row` and column `column`, both counted from 0.
  public subscript(row: Int, column: Int) -> Scalar {
    get {
      precondition(row >= 0 && row < rows && column >= 0 && column < columns, "index out of range")
      return scalars[row * columns + column]
    }
    set {
      precondition(row >= 0 && row < rows && column >= 0 && column < columns, "index out of range")
      scalars[row * columns + column] = newValue
    }
  }

  /// The rows as arrays.
  public var rowArrays: [[Scalar]] {
    (0..<rows).map { Array(scalars[($0 * columns)..<(($0 + 1) * columns)]) }
  }

  /// Column `j` as an array: sample j of a batch.
  public func column(_ j: Int) -> [Scalar] {
    precondition(j >= 0 && j < columns, "column out of range")
    return (0..<rows).map { scalars[$0 * columns + j] }
  }

  /// The transpose, columns × rows.
  public var transposed: Matrix {
    var result = Matrix(rows: columns, columns: rows)
    for i in 0..<rows {
      for j in 0..<columns { result.scalars[j * rows + i] = scalars[i * columns + j] }
    }
    return result
  }

  /// The matrix with `transform` applied to every element, in row-major order.
  public func map(_ transform: (Scalar) throws -> Scalar) rethrows -> Matrix {
    var result = self
    result.scalars = try scalars.map(transform)
    return result
  }

  /// The same values converted to another scalar type (e.g. `Double` reference values to `Float`).
  public func converted<Other: BackpropScalar>(to _: Other.Type = Other.self) -> Matrix<Other> {
    // The count is right by construction, so this cannot throw.
    try! Matrix<Other>(rows: rows, columns: columns, scalars: scalars.map { Other($0) })
  }

  /// Throws if any element is NaN or infinite, naming `name` and the first such element.
  public func checkFinite(name: String) throws {
    // A plain loop over the storage: it allocates nothing, even unoptimized (a training step checks its batch).
    let bad = scalars.withUnsafeBufferPointer { s -> Int? in
      for i in 0..<s.count where !s[i].isFinite { return i }
      return nil
    }
    if let index = bad {
      throw BackpropError.notFinite(
        name: name, row: index / max(columns, 1), column: index % max(columns, 1),
        value: Double(scalars[index]))
    }
  }

  /// Gives the body the storage to read, without copying.
  public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
    try scalars.withUnsafeBufferPointer(body)
  }

  /// Gives the body the storage to write in place. The shape never changes.
  public mutating func withUnsafeMutableBufferPointer<R>(
    _ body: (UnsafeMutableBufferPointer<Scalar>) throws -> R
  ) rethrows -> R {
    try scalars.withUnsafeMutableBufferPointer { try body($0) }
  }
}

extension Matrix: CustomStringConvertible {
  public var description: String {
    "Matrix \(shape): " + rowArrays.map { "[" + $0.map { "\($0)" }.joined(separator: ", ") + "]" }
      .joined(separator: ", ")
  }
}

/// The shape of a matrix, printed as `rows×columns`.
public struct Shape: Hashable, Sendable, CustomStringConvertible {
  public var rows: Int
  public var columns: Int

  public init(rows: Int, columns: Int) {
    self.rows = rows
    self.columns = columns
  }

  public var description: String { "\(rows)×\(columns)" }
}
