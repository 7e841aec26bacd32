import CKernels

/// Multinomial logistic regression with L2 and class weights, fitted by L-BFGS on standardised
/// features (the probe of DESIGN §7.4).
///
/// Legend: n rows, p features, K classes (the distinct training labels), X̃ = (X − μ)/σ the
/// standardised features (σ = 1 for a constant feature), w_i the row weight of y_i's class.
///
///     P = softmax(X̃ W + 1 bᵀ)                                     n×K
///     L(W, b) = (1/Σw) Σ_i w_i (−log P[i, y_i]) + (λ/2) ‖W‖²_F     (b not penalised)
///     ∇_W L = X̃ᵀ (w ⊙ (P − Y)) / Σw + λ W      ∇_b L = 1ᵀ (w ⊙ (P − Y)) / Σw
///
/// Balanced class weights are w_k = n / (K · n_k), so every class carries the same total weight
/// and a minority class is not ignored. The loss is convex; L-BFGS runs to ‖∇L‖∞ ≤ tolerance.
/// The two products per evaluation, X̃W and X̃ᵀ(…), are gemms, or for a sparse code (a wide matrix
/// mostly of zeros) products over its non-zeros with the standardisation folded in (SparseFeatures).
public struct LogisticRegression {
    /// Training labels in index order: class c of the model is label `classes[c]`.
    public let classes: [Int]
    public let mean: [Double]    // p
    public let scale: [Double]   // p
    public let weights: Matrix<Double>  // p×K
    public let bias: [Double]    // K
    public let iterations: Int
    public let converged: Bool

    public enum ClassWeighting: Sendable { case none, balanced }

    /// Fits on the rows of `x` (n×p) with `labels` (n, each ≥ 0).
    public static func fit(x: Matrix<Double>, labels: [Int], l2: Double = 1e-3,
                           weighting: ClassWeighting = .balanced, optimizer: LBFGS = LBFGS(tolerance: 1e-5)) -> LogisticRegression {
        precondition(x.rows == labels.count && x.rows > 0, "logistic regression: \(x.rows) rows, \(labels.count) labels")
        precondition(labels.allSatisfy { $0 >= 0 }, "logistic regression: labels must be ≥ 0 (drop missing rows first)")
        let classes = Array(Set(labels)).sorted()
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let (p, K) = (x.cols, classes.count)
        let (mean, scale) = standardisation(x)
        let classIndices = labels.map { index[$0]! }
        let objective = SparseFeatures.pays(x)
            ? Objective(features: .sparse(SparseFeatures(x, mean: mean, scale: scale)), classIndices: classIndices, classes: K,
                        l2: l2, weighting: weighting)
            : Objective(standardised: standardise(x, mean: mean, scale: scale), classIndices: classIndices, classes: K,
                        l2: l2, weighting: weighting)
        let result = optimizer.minimize(from: [Double](repeating: 0, count: p * K + K)) { objective($0) }
        return LogisticRegression(classes: classes, mean: mean, scale: scale,
                                  weights: Matrix(rows: p, cols: K, storage: Array(result.parameters[0 ..< p * K])),
                                  bias: Array(result.parameters[p * K ..< p * K + K]),
                                  iterations: result.iterations, converged: result.converged)
    }

    /// The training objective L(θ) and its gradient, θ = [W (p×K, row-major), b (K)].
    /// Y's only non-zero in row i is w_i at (i, y_i), so it is kept as (y_i, w_i), not as n×K.
    public struct Objective {
        /// X̃ (n×p) itself, or X's non-zeros with μ and σ (a sparse code: SparseFeatures).
        enum Features {
            case dense(Matrix<Double>)
            case sparse(SparseFeatures)
        }
        let features: Features
        let rows: Int, cols: Int     // n, p
        let classIndices: [Int]      // n, y_i in 0..<K
        let rowWeights: [Double]     // n, w_i
        let classes: Int             // K
        let totalWeight: Double
        let l2: Double

        public init(standardised xs: Matrix<Double>, classIndices: [Int], classes K: Int, l2: Double, weighting: ClassWeighting) {
            self.init(features: .dense(xs), classIndices: classIndices, classes: K, l2: l2, weighting: weighting)
        }

        init(features: Features, classIndices: [Int], classes K: Int, l2: Double, weighting: ClassWeighting) {
            switch features {
            case .dense(let xs): (rows, cols) = (xs.rows, xs.cols)
            case .sparse(let s): (rows, cols) = (s.rows, s.cols)
            }
            let n = rows
            var counts = [Double](repeating: 0, count: K)
            for c in classIndices { counts[c] += 1 }
            let classWeight = counts.map { weighting == .balanced && $0 > 0 ? Double(n) / (Double(K) * $0) : 1 }
            self.features = features
            self.classIndices = classIndices
            rowWeights = classIndices.map { classWeight[$0] }
            classes = K
            totalWeight = rowWeights.reduce(0, +)
            self.l2 = l2
        }

        public func callAsFunction(_ theta: [Double]) -> (value: Double, gradient: [Double]) {
            let (p, K) = (cols, classes)
            let w = Matrix(rows: p, cols: K, storage: Array(theta[0 ..< p * K])), b = Array(theta[p * K ..< p * K + K])
            var residual: Matrix<Double>  // n×K: logits, then P, then w ⊙ (P − Y)
            switch features {
            case .dense(let xs): residual = logits(xs, w, b)
            case .sparse(let s): residual = s.logits(w, b)
            }
            let crossEntropy = softmaxInPlace(&residual, classIndices: classIndices, rowWeights: rowWeights)
            residual.storage.withUnsafeMutableBufferPointer { r in
                for i in 0..<rows {
                    let row = r.baseAddress! + i * K, (y, wi) = (classIndices[i], rowWeights[i])
                    let target = wi * row[y] - wi  // w_i P − Y where Y holds w_i; elsewhere w_i P − 0 = w_i P
                    for k in 0..<K { row[k] = wi * row[k] }
                    row[y] = target
                }
            }
            let columnSums = BatchMath.columnSums(residual)
            var gradW = w  // p×K
            switch features {
            case .dense(let xs): Matrix.gemm(xs, .transposed, residual, .none, into: &gradW, alpha: 1 / totalWeight, beta: l2)
            case .sparse(let s): gradW = s.transposedProduct(residual, columnSums: columnSums, alpha: 1 / totalWeight, beta: l2, plus: w)
            }
            let gradB = columnSums.map { $0 / totalWeight }
            return (crossEntropy / totalWeight + 0.5 * l2 * w.dot(w), gradW.storage + gradB)
        }
    }

    /// The most probable label of each row of `x` (n×p); of classes whose scores tie within
    /// `tieTolerance` (relative to the largest score's magnitude, absolute below 1), the first.
    ///
    /// Ties are common, not rare: a k-sparse probe of a sparse code sees most rows with all k
    /// features zero, so they all get the same scores, and with balanced class weights the classes
    /// that only occur there get the same optimal bias. Their fitted scores then differ only by
    /// rounding, and a plain argmax lets the last bits of the fit (a BLAS kernel, an exp) pick which
    /// class every such row is given: the 49-class 'parent' probe of the demo on 5 features of Z1
    /// scored 0.085 or 0.027 by that alone (docs/journal/results-journal-sessions-1-30.md, "Session 16").
    public func predict(_ x: Matrix<Double>) -> [Int] {
        let scores = Self.logits(Self.standardise(x, mean: mean, scale: scale), weights, bias)
        return (0..<x.rows).map { i in classes[Self.firstOfTiedMaxima(scores.storage[i * classes.count ..< (i + 1) * classes.count])] }
    }

    /// Scores closer than this (relative) count as tied in `predict`: far above a fit's rounding
    /// differences, far below any difference a probe learns.
    static let tieTolerance = 1e-9

    /// The first index whose value is within `tieTolerance` · max(1, |largest|) of the largest; with
    /// a NaN or ±∞ among the values, the plain argmax (the first maximum NaN aside).
    static func firstOfTiedMaxima(_ row: ArraySlice<Double>) -> Int {
        guard row.allSatisfy(\.isFinite) else { return (row.indices.max { row[$0] < row[$1] } ?? row.startIndex) - row.startIndex }
        let top = row.max()!
        let margin = tieTolerance * max(1, abs(top))
        return row.firstIndex { $0 >= top - margin }! - row.startIndex
    }

    /// X̃W + 1bᵀ, n×K.
    static func logits(_ xs: Matrix<Double>, _ w: Matrix<Double>, _ b: [Double]) -> Matrix<Double> {
        var out = Matrix<Double>(rows: xs.rows, cols: w.cols)
        let ones = Matrix<Double>(rows: xs.rows, cols: 1, repeating: 1)
        Matrix.gemm(ones, Matrix(rows: 1, cols: b.count, storage: b), into: &out)
        Matrix.gemm(xs, w, into: &out, beta: 1)
        return out
    }

    /// Replaces logits by softmax probabilities row by row (max-shifted), and returns
    /// Σ_i w_i (−log P[i, y_i]). One exp per entry: P = e^(z − peak) / Σ e^(z − peak), and
    /// −log P[i, y_i] = log Σ − (z[i, y_i] − peak) taken before z is overwritten (with two exps per
    /// entry, softmax was two fifths of a probe's time in `perf`). The exps are CKernels' vector
    /// ones (hsae_exp_shifted_f64): libm's, one call per entry, were half of a probe's time.
    static func softmaxInPlace(_ z: inout Matrix<Double>, classIndices: [Int], rowWeights: [Double]) -> Double {
        var loss = 0.0
        let K = z.cols
        z.storage.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<z.rows {
                let row = buffer.baseAddress! + i * K
                var peak = -Double.infinity
                for k in 0..<K { peak = max(peak, row[k]) }
                let wi = rowWeights[i]
                let targetShifted = wi * (row[classIndices[i]] - peak)
                let total = hsae_exp_shifted_f64(K, row, peak)  // row[k] = e^(z − peak); Σ in k order
                loss += wi * Double.log(total) - targetShifted
                let inverse = 1 / total
                for k in 0..<K { row[k] *= inverse }
            }
        }
        return loss
    }

    /// Column means and standard deviations (1 where a column is constant).
    static func standardisation(_ x: Matrix<Double>) -> (mean: [Double], scale: [Double]) {
        let n = Double(x.rows)
        let mean = BatchMath.columnSums(x).map { $0 / n }
        var squares = [Double](repeating: 0, count: x.cols)
        for i in 0..<x.rows { for j in 0..<x.cols { let c = x[i, j] - mean[j]; squares[j] += c * c } }
        let scale = squares.map { s -> Double in let sd = (s / n).squareRoot(); return sd > 1e-12 ? sd : 1 }
        return (mean, scale)
    }

    static func standardise(_ x: Matrix<Double>, mean: [Double], scale: [Double]) -> Matrix<Double> {
        precondition(x.cols == mean.count, "probe: \(x.cols) features, the model was fitted on \(mean.count)")
        var out = x
        for i in 0..<x.rows { for j in 0..<x.cols { out[i, j] = (x[i, j] - mean[j]) / scale[j] } }
        return out
    }
}
