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
/// The two products per evaluation, X̃W and X̃ᵀ(…), are gemms.
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
        let objective = Objective(standardised: standardise(x, mean: mean, scale: scale),
                                  classIndices: labels.map { index[$0]! }, classes: K, l2: l2, weighting: weighting)
        let result = optimizer.minimize(from: [Double](repeating: 0, count: p * K + K)) { objective($0) }
        return LogisticRegression(classes: classes, mean: mean, scale: scale,
                                  weights: Matrix(rows: p, cols: K, storage: Array(result.parameters[0 ..< p * K])),
                                  bias: Array(result.parameters[p * K ..< p * K + K]),
                                  iterations: result.iterations, converged: result.converged)
    }

    /// The training objective L(θ) and its gradient, θ = [W (p×K, row-major), b (K)].
    public struct Objective {
        let xs: Matrix<Double>       // n×p, standardised
        let classIndices: [Int]      // n, in 0..<K
        let rowWeights: [Double]     // n, w_i
        let targets: Matrix<Double>  // n×K, w_i at (i, y_i)
        let totalWeight: Double
        let l2: Double

        public init(standardised xs: Matrix<Double>, classIndices: [Int], classes K: Int, l2: Double, weighting: ClassWeighting) {
            let n = xs.rows
            var counts = [Double](repeating: 0, count: K)
            for c in classIndices { counts[c] += 1 }
            let classWeight = counts.map { weighting == .balanced && $0 > 0 ? Double(n) / (Double(K) * $0) : 1 }
            var targets = Matrix<Double>(rows: n, cols: K)
            for (i, c) in classIndices.enumerated() { targets[i, c] = classWeight[c] }
            self.xs = xs
            self.classIndices = classIndices
            rowWeights = classIndices.map { classWeight[$0] }
            self.targets = targets
            totalWeight = rowWeights.reduce(0, +)
            self.l2 = l2
        }

        public func callAsFunction(_ theta: [Double]) -> (value: Double, gradient: [Double]) {
            let (p, K) = (xs.cols, targets.cols)
            let w = Matrix(rows: p, cols: K, storage: Array(theta[0 ..< p * K]))
            var residual = logits(xs, w, Array(theta[p * K ..< p * K + K]))  // n×K: logits, then P, then w ⊙ (P − Y)
            let crossEntropy = softmaxInPlace(&residual, targets: targets)
            for i in 0..<xs.rows {
                for k in 0..<K { residual[i, k] = rowWeights[i] * residual[i, k] - targets[i, k] }
            }
            var gradW = w  // p×K
            Matrix.gemm(xs, .transposed, residual, .none, into: &gradW, alpha: 1 / totalWeight, beta: l2)
            let gradB = BatchMath.columnSums(residual).map { $0 / totalWeight }
            return (crossEntropy / totalWeight + 0.5 * l2 * w.dot(w), gradW.storage + gradB)
        }
    }

    /// The most probable label of each row of `x` (n×p).
    public func predict(_ x: Matrix<Double>) -> [Int] {
        let scores = Self.logits(Self.standardise(x, mean: mean, scale: scale), weights, bias)
        return (0..<x.rows).map { i in classes[(0..<classes.count).max { scores[i, $0] < scores[i, $1] }!] }
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
    /// Σ_i Σ_k targets[i, k] · (−log P[i, k]) = Σ_i w_i (−log P[i, y_i]). One exp per entry:
    /// P = e^(z − peak) / Σ e^(z − peak), and −log P = log Σ − (z − peak) summed against the
    /// targets before z is overwritten (with two exps per entry, softmax was two fifths of a
    /// probe's time in `perf`).
    static func softmaxInPlace(_ z: inout Matrix<Double>, targets: Matrix<Double>) -> Double {
        var loss = 0.0
        let K = z.cols
        for i in 0..<z.rows {
            var peak = -Double.infinity
            for k in 0..<K { peak = max(peak, z[i, k]) }
            var total = 0.0, targetShifted = 0.0, targetWeight = 0.0
            for k in 0..<K {
                let shifted = z[i, k] - peak, t = targets[i, k]
                if t != 0 { targetShifted += t * shifted; targetWeight += t }
                let e = Double.exp(shifted)
                z[i, k] = e
                total += e
            }
            loss += targetWeight * Double.log(total) - targetShifted
            let inverse = 1 / total
            for k in 0..<K { z[i, k] *= inverse }
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
