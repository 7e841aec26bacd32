import Foundation

/// Which tokens a harvest keeps and which rank computes them. Every rank builds the same plan
/// from the same inputs without communicating (tokenising is cheap beside the forward pass).
///
///   * Documents are taken in corpus order; each is cut into windows of at most
///     `window − 2` tokens, each run as `[CLS] … [SEP]`.
///   * Kept rows: every content token (plus [CLS]/[SEP] with `includeSpecial`), until
///     `maxTokens`; the last window may keep only its first rows (it still runs whole).
///   * Rank r takes a contiguous run of windows holding rows [r·R/W, (r+1)·R/W) of the R
///     kept rows (cut at window boundaries), so the data set's row order is the corpus order
///     whatever the number of ranks.
public struct HarvestPlan: Sendable {
    public struct Window: Sendable {
        public var document: Int   // index into the corpus
        public var ids: [Int32]    // [CLS] content [SEP]
        public var keep: Int       // rows kept, from the first kept position on
        public var firstRow: Int   // global row of the first kept row
    }

    public let windows: [Window]
    public let includeSpecial: Bool
    public let rows: Int
    public let documents: Int

    public init(corpus: Corpus, tokenizer: BertTokenizer, window: Int, maxTokens: Int?, includeSpecial: Bool) {
        precondition(window >= 3, "window \(window) must hold [CLS], a token and [SEP]")
        let content = window - 2
        var windows: [Window] = []
        var rows = 0
        var documents = 0
        let budget = maxTokens ?? Int.max
        outer: for (d, doc) in corpus.documents.enumerated() {
            let ids = tokenizer.tokenize(doc.text)
            guard !ids.isEmpty else { continue }
            documents += 1
            for start in stride(from: 0, to: ids.count, by: content) {
                let piece = Array(ids[start ..< min(ids.count, start + content)])
                let available = piece.count + (includeSpecial ? 2 : 0)
                let keep = min(available, budget - rows)
                windows.append(Window(document: d, ids: [tokenizer.cls] + piece + [tokenizer.sep], keep: keep, firstRow: rows))
                rows += keep
                if rows >= budget { break outer }
            }
        }
        self.windows = windows
        self.rows = rows
        self.documents = documents
        self.includeSpecial = includeSpecial
    }

    /// The windows of `rank` out of `size`: a contiguous run, balanced by kept rows.
    public func windows(rank: Int, size: Int) -> ArraySlice<Window> {
        func start(_ r: Int) -> Int {
            let target = rows * r / size
            return windows.firstIndex { $0.firstRow >= target } ?? windows.count
        }
        return windows[start(rank) ..< (rank + 1 == size ? windows.count : start(rank + 1))]
    }

    /// Kept rows of each rank.
    public func rows(rank: Int, size: Int) -> Int {
        windows(rank: rank, size: size).reduce(0) { $0 + $1.keep }
    }

    /// Positions (in the window's input) of the kept rows of `w`.
    public func keptPositions(_ w: Window) -> Range<Int> {
        let first = includeSpecial ? 0 : 1
        return first ..< first + w.keep
    }
}

/// How a rank's rows are cut into shard files: `shardRows` rows each, the last one shorter.
public struct ShardLayout: Sendable {
    public let shardRows: Int

    public init(shardRows: Int) {
        precondition(shardRows > 0, "shardRows must be > 0, got \(shardRows)")
        self.shardRows = shardRows
    }

    public static func name(rank: Int, index: Int) -> String {
        String(format: "shard-r%03d-%05d", rank, index)
    }

    /// Row counts of the shards of a rank with `rows` rows.
    public func shardSizes(rows: Int) -> [Int] {
        stride(from: 0, to: rows, by: shardRows).map { min(shardRows, rows - $0) }
    }

    /// Every shard of the job in row order, as `dataset.json` lists them.
    public func manifestShards(plan: HarvestPlan, size: Int) -> [DatasetManifest.Shard] {
        (0..<size).flatMap { r in
            shardSizes(rows: plan.rows(rank: r, size: size)).enumerated().map { k, n in
                let name = Self.name(rank: r, index: k)
                return DatasetManifest.Shard(file: name + ".npy", rows: n, labels: name + DatasetManifest.labelsSuffix)
            }
        }
    }
}
