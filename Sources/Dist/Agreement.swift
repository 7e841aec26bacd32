/// Agreement on failure: the way ranks stop together instead of hanging in a collective.
///
/// A rank that fails does not simply exit or throw past the next collective: it reports the
/// failure through `agree`, which every rank calls at the same point. All ranks then throw the
/// same `DistError.rankFailed` naming the lowest failing rank and its message.
extension Communicator {
    /// Collective: learns whether any rank failed. `failure` is this rank's error, or nil.
    /// Throws `DistError.rankFailed(rank:message:)` on every rank if any rank failed.
    ///
    /// Cost: one integer allreduce when nobody failed, plus one broadcast when somebody did.
    public func agree(_ failure: Error?) throws {
        let mine: Int64 = failure == nil ? Int64.max : Int64(rank)
        let first = try allreduce(mine, op: .min)
        guard first != Int64.max else { return }
        let failingRank = Int(first)
        var message = Array((failure.map(Self.describe) ?? "").utf8)
        try broadcast(&message, root: failingRank)
        throw DistError.rankFailed(rank: failingRank, message: String(decoding: message, as: UTF8.self))
    }

    /// Collective: runs `body` on every rank, then agrees on the outcome. Returns `body`'s
    /// value when every rank succeeded; otherwise every rank throws the same `rankFailed`.
    public func agreeing<R>(_ body: () throws -> R) throws -> R {
        let result = Result { try body() }
        switch result {
        case .success(let value):
            try agree(nil)
            return value
        case .failure(let error):
            try agree(error)
            fatalError("agree(_:) returned after a local failure")  // unreachable: agree throws
        }
    }

    /// A one-line description of an error, without the rank prefix that agreement adds.
    static func describe(_ error: Error) -> String {
        if case let DistError.rankFailed(_, message) = error { return message }
        return String(describing: error)
    }
}
