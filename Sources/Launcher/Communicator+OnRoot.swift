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
