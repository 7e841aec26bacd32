/// How probe rows are divided into training and test sets: never by token when documents
/// exist (DESIGN §7.4), since tokens of one document share their topic and leak it.
public struct ProbeSplit: Equatable, Sendable {
    /// Indices (into the probed rows) of the training and test rows.
    public var train: [Int]
    public var test: [Int]
    /// "document" or "rows".
    public var kind: String

    /// Whole documents go to the test set: the distinct `docIDs` are shuffled with `seed` and
    /// the first ⌈fraction · documents⌉ are held out. Rows with a negative doc id are left out.
    public static func byDocument(docIDs: [Int], testFraction: Double = 0.2, seed: UInt64 = 0) -> ProbeSplit {
        var documents = Array(Set(docIDs.filter { $0 >= 0 })).sorted()
        var rng = SplitMix64(seed: seed)
        documents.shuffle(using: &rng)
        let held = Set(documents.prefix(Int((testFraction * Double(documents.count)).rounded(.up))))
        var split = ProbeSplit(train: [], test: [], kind: "document")
        for (i, doc) in docIDs.enumerated() where doc >= 0 {
            if held.contains(doc) { split.test.append(i) } else { split.train.append(i) }
        }
        return split
    }

    /// Without documents: the first (1 − fraction) of rows train, the rest test. A contiguous
    /// cut, not a shuffle, so neighbouring tokens do not straddle the split except at one point.
    public static func byRows(count: Int, testFraction: Double = 0.2) -> ProbeSplit {
        let cut = count - Int((testFraction * Double(count)).rounded(.up))
        return ProbeSplit(train: Array(0..<cut), test: Array(cut..<count), kind: "rows")
    }

    /// The same split without rows whose label is missing (negative).
    public func dropping(missing labels: [Int]) -> ProbeSplit {
        ProbeSplit(train: train.filter { labels[$0] >= 0 }, test: test.filter { labels[$0] >= 0 }, kind: kind)
    }
}
