import Dist

extension Communicator {
    /// Collective: runs `body` on rank 0 only (a command that writes or prints once); the other
    /// ranks wait in the agreement and return nil. A failure on rank 0 is thrown on every rank.
    /// With one rank there is nothing to agree on, and the error passes through unchanged
    /// (no `rank 0:` prefix on a laptop).
    func onRoot<R>(_ body: () throws -> R) throws -> R? {
        if size == 1 { return try body() }
        return try agreeing { isRoot ? try body() : nil }
    }
}

extension Communicator {
    /// Collective: runs `body` on every rank and agrees on the outcome, so that a failure on
    /// one rank (its own data path missing, a file it cannot read) stops every rank with one
    /// message naming that rank, instead of an error only that rank knows. With one rank the
    /// error passes through unchanged.
    func onEveryRank<R>(_ body: () throws -> R) throws -> R {
        if size == 1 { return try body() }
        return try agreeing(body)
    }
}
