/// A dense row-major matrix that owns its storage (copy-on-write through `Array`).
///
///     element (i, j) = storage[i * cols + j]
public struct Matrix<T: BLASScalar>: Equatable {
    public let rows: Int
    public let cols: Int
    public var storage: [T]  // rows × cols

    public init(rows: Int, cols: Int, repeating value: T = 0) {
        precondition(rows >= 0 && cols >= 0, "matrix shape must be non-negative, got \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        storage = [T](repeating: value, count: rows * cols)
    }

    public init(rows: Int, cols: Int, storage: [T]) {
        precondition(storage.count == rows * cols,
                     "matrix \(rows)×\(cols) needs \(rows * cols) elements, got \(storage.count)")
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    public var count: Int { rows * cols }

    public subscript(i: Int, j: Int) -> T {
        get { storage[i * cols + j] }
        set { storage[i * cols + j] = newValue }
    }

    /// Row i as a new array.
    public func row(_ i: Int) -> [T] { Array(storage[i * cols ..< (i + 1) * cols]) }

    /// The transpose, as a new matrix.
    public func transposed() -> Matrix {
        var t = Matrix(rows: cols, cols: rows)
        for i in 0..<rows { for j in 0..<cols { t.storage[j * rows + i] = storage[i * cols + j] } }
        return t
    }

    /// The same values in another precision.
    public func converted<U: BLASScalar>(to: U.Type = U.self) -> Matrix<U> {
        Matrix<U>(rows: rows, cols: cols, storage: storage.map { U($0) })
    }
}
