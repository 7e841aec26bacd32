import HSAE
import XCTest

final class TokenizerTests: XCTestCase {
    /// Every hard string of the fixture (accents, CJK, emoji, control characters, long words,
    /// final sigma, special tokens written in the text, ...) gives transformers' ids.
    func testIdsEqualTheReferenceForEveryFixtureString() throws {
        let tokenizer = try BertTokenizer(modelDirectory: try HarvestFixtures.modelDirectory())
        let reference = try HarvestFixtures.reference()
        XCTAssertGreaterThan(reference.tokens.count, 20)
        for entry in reference.tokens {
            XCTAssertEqual(tokenizer.encode(entry.text), entry.ids, "text: \(entry.text.debugDescription)")
        }
    }

    /// The algorithm on a toy vocabulary, independent of the model files.
    func testWordPieceGreedyLongestMatchAndUnknowns() throws {
        let vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "aff", "able", "!", ",", "a", "##a"]
        let t = try BertTokenizer(vocabulary: vocab, maxCharsPerWord: 10)
        XCTAssertEqual(t.tokenize("unaffable!"), [5, 6, 7, 10])
        XCTAssertEqual(t.tokenize("UnAffable"), [5, 6, 7], "lower-cased")
        XCTAssertEqual(t.tokenize("unx able"), [1, 9], "a word with no complete match is one [UNK]")
        XCTAssertEqual(t.tokenize("aaaaa aaaaaaaaaaa"), [12, 13, 13, 13, 13, 1], "longer than maxCharsPerWord → [UNK]")
        XCTAssertEqual(t.tokenize("a,[MASK]a"), [12, 11, 4, 12], "special tokens in the text are kept whole")
        XCTAssertEqual(t.tokenize("Ünàble"), [5, 7], "accents stripped")
        XCTAssertEqual(t.encode(""), [2, 3])
    }

    func testBasicTokenizerCharacterClasses() {
        let basic = BasicTokenizer()
        let words = basic.words("Hello,\u{00A0}WORLD\u{2028}x\u{0007}y 北京 ΣΑΣ").map { String(String.UnicodeScalarView($0)) }
        XCTAssertEqual(words, ["hello", ",", "world", "xy", "北", "京", "σας"])
        let cased = BasicTokenizer(lowercase: false)
        XCTAssertEqual(cased.words("Café").map { String(String.UnicodeScalarView($0)) }, ["Café"])
    }

    func testMissingSpecialTokenIsReported() {
        XCTAssertThrowsError(try BertTokenizer(vocabulary: ["[PAD]", "[UNK]", "[CLS]", "[SEP]"], source: "v.txt")) { error in
            XCTAssertEqual("\(error)", "v.txt: has no [MASK] token; a BERT vocabulary needs [UNK], [CLS], [SEP], [PAD], [MASK]")
        }
    }
}
