/// Row/column selection and concatenation, used by the evaluation to slice batches, split probe
/// rows and build [Z1 Z2]. Copies; not for hot training loops.
extension Matrix {
    /// The given rows, in order, as a new matrix.
    public func selecting(rows indices: [Int]) -> Matrix {
        var out = Matrix(rows: indices.count, cols: cols)
        for (k, i) in indices.enumerated() {
            out.storage.replaceSubrange(k * cols ..< (k + 1) * cols, with: storage[i * cols ..< (i + 1) * cols])
        }
        return out
    }

    /// The given columns, in order, as a new matrix.
    public func selecting(columns indices: [Int]) -> Matrix {
        var out = Matrix(rows: rows, cols: indices.count)
        for i in 0..<rows { for (k, j) in indices.enumerated() { out[i, k] = self[i, j] } }
        return out
    }

    /// [A B]: the columns of `parts` side by side (same rows).
    public static func concatenatingColumns(_ parts: [Matrix]) -> Matrix {
        let rows = parts.first?.rows ?? 0
        precondition(parts.allSatisfy { $0.rows == rows }, "concatenating columns: rows \(parts.map(\.rows))")
        var out = Matrix(rows: rows, cols: parts.reduce(0) { $0 + $1.cols })
        for i in 0..<rows {
            var offset = i * out.cols
            for part in parts {
                out.storage.replaceSubrange(offset ..< offset + part.cols, with: part.storage[i * part.cols ..< (i + 1) * part.cols])
                offset += part.cols
            }
        }
        return out
    }

    /// [A; B]: the rows of `parts` stacked (same columns).
    public static func concatenatingRows(_ parts: [Matrix]) -> Matrix {
        let cols = parts.first?.cols ?? 0
        precondition(parts.allSatisfy { $0.cols == cols }, "concatenating rows: columns \(parts.map(\.cols))")
        return Matrix(rows: parts.reduce(0) { $0 + $1.rows }, cols: cols, storage: parts.flatMap(\.storage))
    }
}
