import Foundation
@testable import HSAE
import XCTest

/// Windows, the token budget, the split over ranks and the labels, on a toy vocabulary.
final class HarvestPlanTests: XCTestCase {
    let tokenizer = try! BertTokenizer(vocabulary: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", ",", "7", "##7", "##b"])

    func corpus(_ texts: [String]) -> Corpus {
        Corpus(documents: texts.enumerated().map { CorpusDocument(id: "d\($0)", genre: "g", language: "en", source: "s", text: $1) },
               seed: 0, provenance: [:])
    }

    func testWindowsBudgetAndRankSplit() {
        let c = corpus(["a b a b a", "", "b , 7", "a"])  // 5, 0, 3, 1 tokens
        let plan = HarvestPlan(corpus: c, tokenizer: tokenizer, window: 4, maxTokens: nil, includeSpecial: false)
        XCTAssertEqual(plan.windows.map(\.document), [0, 0, 0, 2, 2, 3], "2 content tokens per window; empty document skipped")
        XCTAssertEqual(plan.windows.map(\.keep), [2, 2, 1, 2, 1, 1])
        XCTAssertEqual(plan.windows[0].ids, [2, 5, 6, 3])
        XCTAssertEqual(plan.rows, 9)
        XCTAssertEqual(plan.documents, 3)
        XCTAssertEqual(plan.keptPositions(plan.windows[0]), 1..<3)
        for size in 1...4 {
            let parts = (0..<size).map { plan.windows(rank: $0, size: size) }
            XCTAssertEqual(parts.flatMap { $0.map(\.firstRow) }, plan.windows.map(\.firstRow), "\(size) ranks: contiguous, complete")
            XCTAssertEqual((0..<size).reduce(0) { $0 + plan.rows(rank: $1, size: size) }, 9)
        }
        XCTAssertEqual(plan.rows(rank: 0, size: 2), 4)

        let capped = HarvestPlan(corpus: c, tokenizer: tokenizer, window: 4, maxTokens: 6, includeSpecial: false)
        XCTAssertEqual(capped.rows, 6)
        XCTAssertEqual(capped.windows.map(\.keep), [2, 2, 1, 1], "the last window keeps only what the budget allows")
        XCTAssertEqual(capped.windows.last!.ids, [2, 6, 7, 3], "but still runs whole")

        let special = HarvestPlan(corpus: c, tokenizer: tokenizer, window: 4, maxTokens: nil, includeSpecial: true)
        XCTAssertEqual(special.rows, 9 + 2 * 6)
        XCTAssertEqual(special.keptPositions(special.windows[2]), 0..<3)
    }

    func testShardLayoutListsEveryRanksShardsInRowOrder() {
        let plan = HarvestPlan(corpus: corpus(["a b a b a", "b , 7", "a"]), tokenizer: tokenizer, window: 4,
                               maxTokens: nil, includeSpecial: false)
        let layout = ShardLayout(shardRows: 2)
        XCTAssertEqual(layout.shardSizes(rows: 5), [2, 2, 1])
        let shards = layout.manifestShards(plan: plan, size: 2)
        XCTAssertEqual(shards.map(\.file), ["shard-r000-00000.npy", "shard-r000-00001.npy",
                                            "shard-r001-00000.npy", "shard-r001-00001.npy", "shard-r001-00002.npy"])
        XCTAssertEqual(shards.map(\.rows), [2, 2, 2, 2, 1], "rank 0: rows 0..<4, rank 1: rows 4..<9")
        XCTAssertEqual(shards.map(\.labels), shards.map { $0.file.replacingOccurrences(of: ".npy", with: ".labels.npy") })
        XCTAssertEqual(shards.reduce(0) { $0 + $1.rows }, plan.rows)
    }

    func testTokenClassesAndPositionBuckets() {
        let classes = tokenizer.tokenClasses()
        XCTAssertEqual(classes, [.special, .wordStart, .special, .special, .special, .wordStart, .wordStart, .punctuation,
                                 .digit, .digit, .continuation])
        XCTAssertEqual((0..<9).map(PositionBucket.bucket), [0, 1, 2, 2, 3, 3, 3, 3, 4])
        XCTAssertEqual(PositionBucket.bucket(511), 9)
        XCTAssertEqual(PositionBucket.names(maxPositions: 512), ["0", "1", "2-3", "4-7", "8-15", "16-31", "32-63", "64-127", "128-255", "256-511"])
        XCTAssertEqual(PositionBucket.names(maxPositions: 10).last, "8-9")
    }
}
