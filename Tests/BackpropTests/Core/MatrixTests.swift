import Backprop
import Testing

@Suite("Matrix")
struct MatrixTests {
  @Test("rows are stored row-major and read back by subscript")
  func layout() throws {
    let m = try Matrix<Double>(rows: [[1, 2, 3], [4, 5, 6]])
    #expect(m.shape == Shape(rows: 2, columns: 3))
    #expect(m.scalars == [1, 2, 3, 4, 5, 6])
    #expect(m[1, 0] == 4)
    #expect(m.column(2) == [3, 6])
    #expect(m.transposed.rowArrays == [[1, 4], [2, 5], [3, 6]])
    #expect("\(m.shape)" == "2×3")
  }

  @Test("copies are independent (copy-on-write)")
  func copyOnWrite() throws {
    let a = try Matrix<Float>(rows: [[1, 2]])
    var b = a
    b[0, 0] = 9
    #expect(a[0, 0] == 1)
    #expect(b[0, 0] == 9)
  }

  @Test("ragged rows and wrong counts throw, naming what was expected")
  func badShapes() {
    do {
      _ = try Matrix<Double>(rows: [[1, 2], [3]])
      Issue.record("expected an error")
    } catch {
      #expect("\(error)" == "Matrix(rows:), row 2: expected 2 values like row 1, found 1")
    }
    #expect(throws: BackpropError.self) { try Matrix<Double>(rows: 2, columns: 2, scalars: [1, 2, 3]) }
  }

  @Test("Float and Double convert both ways")
  func conversion() throws {
    let d = try Matrix<Double>(rows: [[0.1, -2]])
    let f: Matrix<Float> = d.converted()
    #expect(f.scalars == [0.1, -2])
    #expect(f.converted(to: Double.self).scalars == [Double(Float(0.1)), -2])
  }
}
