/// Runs every collective of `Communicator` across all ranks with inputs whose results are
/// known in closed form. Each check's verdict is agreed across ranks (a mismatch on any rank
/// fails the check everywhere). Used by `hsae selftest` and by the unit tests on thread groups.
public struct SelfTest {
    public struct Check: Sendable {
        public let name: String
        public let passed: Bool
        public init(name: String, passed: Bool) {
            self.name = name
            self.passed = passed
        }
    }

    /// Thrown on `failRank` to exercise agreement.
    public struct InjectedFailure: Error, CustomStringConvertible {
        public let rank: Int
        public var description: String { "injected failure (--fail-rank \(rank))" }
    }

    let comm: Communicator
    let failRank: Int?

    public init(comm: Communicator, failRank: Int? = nil) {
        self.comm = comm
        self.failRank = failRank
    }

    /// Runs the checks in a fixed order (the same collectives on every rank), calling
    /// `report` after each one. Throws `DistError.rankFailed` on every rank when `failRank`
    /// is set (or a real failure happens).
    public func run(report: (Check) -> Void = { _ in }) throws -> [Check] {
        let r = comm.rank, w = comm.size
        var checks: [Check] = []
        func check(_ name: String, _ localOK: () throws -> Bool) throws {
            let ok = try comm.agreeing(localOK)
            let all = try comm.allreduce(Int32(ok ? 1 : 0), op: .min) == 1
            let result = Check(name: name, passed: all)
            checks.append(result)
            report(result)
        }

        try check("size: allreduce(1, sum) == \(w)") { try comm.allreduce(Int32(1)) == Int32(w) }
        try check("gather: ranks arrive in order") {
            let rows = try comm.gather([Int64(r), Int64(r * r)])
            return r != 0 || rows == (0..<w).map { [Int64($0), Int64($0 * $0)] }
        }
        try check("allreduce float32 sum") {
            var v = (0..<1000).map { Float($0 % 7) * Float(r + 1) }
            try comm.allreduce(&v)
            let ranksSum = Float(w * (w + 1) / 2)
            return v.indices.allSatisfy { v[$0] == Float($0 % 7) * ranksSum }
        }
        try check("allreduce float64 max/min") {
            var hi = [Double(r), -Double(r)], lo = hi
            try comm.allreduce(&hi, op: .max)
            try comm.allreduce(&lo, op: .min)
            return hi == [Double(w - 1), 0] && lo == [0, -Double(w - 1)]
        }
        try check("allreduce int32/int64 sum") {
            var a = [Int32(r), 1], b = [Int64(r) << 40, -1]
            try comm.allreduce(&a)
            try comm.allreduce(&b)
            let s = Int64(w * (w - 1) / 2)
            return a == [Int32(s), Int32(w)] && b == [s << 40, -Int64(w)]
        }
        try check("allreduce 4 Mi float32 (transport)") {
            var v = [Float](repeating: 1, count: 1 << 22)
            try comm.allreduce(&v)
            return v.allSatisfy { $0 == Float(w) }
        }
        try check("broadcast bytes from the last rank") {
            var v: [UInt8] = r == w - 1 ? Array("hierarchy".utf8) : []
            try comm.broadcast(&v, root: w - 1)
            return v == Array("hierarchy".utf8)
        }
        try check("broadcast Codable") {
            let sent: [String: Int]? = r == 0 ? ["bottom": 90, "top": 70] : nil
            let got = try comm.broadcast(sent)
            return got == ["bottom": 90, "top": 70]
        }
        try check("barrier") { try comm.barrier(); return true }
        try check("agreement: nobody failed") { try comm.agree(nil); return true }
        try check("agreement: failure on rank \(failRank.map(String.init) ?? "none")") {
            if let failRank, failRank == r { throw InjectedFailure(rank: r) }
            return true
        }
        return checks
    }
}
