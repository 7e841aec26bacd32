/// Optimal assignment on a rectangular cost matrix (Kuhn–Munkres with potentials).
///
/// Legend: cost C is r×c. With r ≤ c every row gets a distinct column and
///
///     minimise Σ_rows C[row, col(row)]
///
/// is solved exactly in O(r²c) by the shortest-augmenting-path form of the Hungarian method
/// (row potentials u, column potentials v with C[i, j] − u_i − v_j ≥ 0, tight on the matching).
/// With r > c the transpose is solved and r − c rows stay unassigned (nil).
public enum Hungarian {
    /// For each row its column, or nil when r > c left it out.
    public static func minimumCostAssignment(_ cost: Matrix<Double>) -> [Int?] {
        precondition(cost.storage.allSatisfy { $0.isFinite }, "Hungarian: the cost matrix must be finite")
        if cost.rows <= cost.cols { return solve(cost).map { Optional($0) } }
        let columnsToRows = solve(cost.transposed())
        var assignment = [Int?](repeating: nil, count: cost.rows)
        for (column, row) in columnsToRows.enumerated() { assignment[row] = column }
        return assignment
    }

    /// For each row its column, maximising the total weight instead.
    public static func maximumWeightAssignment(_ weight: Matrix<Double>) -> [Int?] {
        var cost = weight
        cost.scale(by: -1)
        return minimumCostAssignment(cost)
    }

    /// Total cost of an assignment.
    public static func cost(of assignment: [Int?], in cost: Matrix<Double>) -> Double {
        assignment.enumerated().reduce(0) { total, pair in
            guard let column = pair.element else { return total }
            return total + cost[pair.offset, column]
        }
    }

    /// r ≤ c. Returns the column of each row. Arrays are 1-based internally (index 0 is the
    /// virtual start column of each augmenting search), following the classic formulation.
    static func solve(_ a: Matrix<Double>) -> [Int] {
        let r = a.rows, c = a.cols
        precondition(r <= c, "Hungarian.solve needs rows ≤ cols, got \(r)×\(c)")
        guard r > 0 else { return [] }
        var u = [Double](repeating: 0, count: r + 1)      // row potentials
        var v = [Double](repeating: 0, count: c + 1)      // column potentials
        var rowOf = [Int](repeating: 0, count: c + 1)     // column j is matched to row rowOf[j] (0 = free)
        var way = [Int](repeating: 0, count: c + 1)       // previous column on the augmenting path
        for i in 1...r {
            rowOf[0] = i
            var j0 = 0
            var minSlack = [Double](repeating: .infinity, count: c + 1)
            var used = [Bool](repeating: false, count: c + 1)
            repeat {
                used[j0] = true
                let i0 = rowOf[j0]
                var delta = Double.infinity, j1 = 0
                for j in 1...c where !used[j] {
                    let slack = a[i0 - 1, j - 1] - u[i0] - v[j]
                    if slack < minSlack[j] { minSlack[j] = slack; way[j] = j0 }
                    if minSlack[j] < delta { delta = minSlack[j]; j1 = j }
                }
                for j in 0...c {
                    if used[j] { u[rowOf[j]] += delta; v[j] -= delta } else { minSlack[j] -= delta }
                }
                j0 = j1
            } while rowOf[j0] != 0
            repeat {  // augment along the path
                let j1 = way[j0]
                rowOf[j0] = rowOf[j1]
                j0 = j1
            } while j0 != 0
        }
        var columnOf = [Int](repeating: -1, count: r)
        for j in 1...c where rowOf[j] != 0 { columnOf[rowOf[j] - 1] = j - 1 }
        return columnOf
    }
}
