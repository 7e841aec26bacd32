/// Limited-memory BFGS for smooth unconstrained minimisation (the probes' optimizer).
///
/// Legend: θ parameters, f(θ) objective, g = ∇f, s_k = θ_{k+1} − θ_k, y_k = g_{k+1} − g_k.
/// The search direction −H·g comes from the two-loop recursion over the last `memory` pairs
/// with H₀ = (sᵀy / yᵀy)·I; the step length from backtracking until the Armijo condition
///
///     f(θ + α p) ≤ f(θ) + c₁ α gᵀp,   c₁ = 1e-4
///
/// holds. Pairs with sᵀy ≤ 0 are skipped (the inverse Hessian estimate stays positive definite).
/// Stops when ‖g‖∞ ≤ tolerance, when f no longer decreases (relative 1e-14), or at `maxIterations`.
public struct LBFGS: Sendable {
    public var memory = 10
    public var maxIterations = 1000
    public var tolerance = 1e-6

    public init(memory: Int = 10, maxIterations: Int = 1000, tolerance: Double = 1e-6) {
        self.memory = memory
        self.maxIterations = maxIterations
        self.tolerance = tolerance
    }

    public struct Result: Sendable {
        public var parameters: [Double]
        public var value: Double
        public var iterations: Int
        /// The gradient criterion was met (not merely stalled or out of iterations).
        public var converged: Bool
    }

    /// Minimises `objective`, which returns f(θ) and ∇f(θ), from `start`.
    public func minimize(from start: [Double], _ objective: ([Double]) -> (value: Double, gradient: [Double])) -> Result {
        var theta = start
        var (f, g) = objective(theta)
        var pairs: [(s: [Double], y: [Double], rho: Double)] = []
        for iteration in 0..<maxIterations {
            if Self.maxAbs(g) <= tolerance { return Result(parameters: theta, value: f, iterations: iteration, converged: true) }
            var direction = searchDirection(g, pairs)
            var slope = Self.dot(g, direction)
            if slope >= 0 {  // not a descent direction (numerical trouble): restart from steepest descent
                pairs.removeAll()
                direction = g.map { -$0 }
                slope = Self.dot(g, direction)
            }
            var step = pairs.isEmpty ? min(1, 1 / max(Self.maxAbs(g), 1e-300)) : 1.0
            var accepted: (theta: [Double], f: Double, g: [Double])?
            for _ in 0..<60 {
                let trial = Self.combine(theta, step, direction)
                let (ft, gt) = objective(trial)
                if ft.isFinite, ft <= f + 1e-4 * step * slope { accepted = (trial, ft, gt); break }
                step *= 0.5
            }
            guard let next = accepted else {
                return Result(parameters: theta, value: f, iterations: iteration, converged: false)
            }
            let s = Self.combine(next.theta, -1, theta), y = Self.combine(next.g, -1, g)
            let sy = Self.dot(s, y)
            if sy > 1e-12 * Self.dot(y, y).squareRoot() * Self.dot(s, s).squareRoot() {
                pairs.append((s, y, 1 / sy))
                if pairs.count > memory { pairs.removeFirst() }
            }
            let decrease = f - next.f
            (theta, f, g) = (next.theta, next.f, next.g)
            if decrease <= 1e-14 * max(1, abs(f)) {
                return Result(parameters: theta, value: f, iterations: iteration + 1, converged: Self.maxAbs(g) <= tolerance)
            }
        }
        return Result(parameters: theta, value: f, iterations: maxIterations, converged: Self.maxAbs(g) <= tolerance)
    }

    /// −H·g by the two-loop recursion.
    func searchDirection(_ g: [Double], _ pairs: [(s: [Double], y: [Double], rho: Double)]) -> [Double] {
        var q = g
        var alphas = [Double](repeating: 0, count: pairs.count)
        for k in pairs.indices.reversed() {
            alphas[k] = pairs[k].rho * Self.dot(pairs[k].s, q)
            Self.add(-alphas[k], pairs[k].y, to: &q)  // q − α·y, exactly as q + (−α)·y
        }
        if let last = pairs.last {
            let gamma = Self.dot(last.s, last.y) / Self.dot(last.y, last.y)
            q.withUnsafeMutableBufferPointer { q in for i in q.indices { q[i] *= gamma } }
        }
        for k in pairs.indices {
            let beta = pairs[k].rho * Self.dot(pairs[k].y, q)
            Self.add(alphas[k] - beta, pairs[k].s, to: &q)
        }
        return q.map { -$0 }
    }

    /// q += a·v, element by element (through pointers, so that it vectorises).
    static func add(_ a: Double, _ v: [Double], to q: inout [Double]) {
        precondition(v.count == q.count)
        v.withUnsafeBufferPointer { v in q.withUnsafeMutableBufferPointer { q in
            for i in q.indices { q[i] += a * v[i] }
        } }
    }

    /// x + a·y, element by element; a = −1 gives x − y exactly.
    static func combine(_ x: [Double], _ a: Double, _ y: [Double]) -> [Double] {
        precondition(x.count == y.count)
        return [Double](unsafeUninitializedCapacity: x.count) { out, count in
            x.withUnsafeBufferPointer { x in y.withUnsafeBufferPointer { y in
                for i in x.indices { out[i] = x[i] + a * y[i] }
            } }
            count = x.count
        }
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in
            a.isEmpty ? 0 : Double.dot(a.count, x.baseAddress!, 1, y.baseAddress!, 1)
        } }
    }

    static func maxAbs(_ a: [Double]) -> Double { a.reduce(0) { max($0, abs($1)) } }
}
