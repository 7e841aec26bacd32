import Foundation
import HSAE
import XCTest

/// The spliced-fidelity metrics on hand-computed cases, and the splice mechanism on MiniLM.
final class SplicedFidelityTests: XCTestCase {
    func m(_ rows: [[Float]]) -> Matrix<Float> { Matrix(rows: rows.count, cols: rows[0].count, storage: rows.flatMap { $0 }) }

    /// Original: a=(1,0) b=(1,.1) c=(0,1) d=(.1,1) → nearest others b, a, d, c.
    /// Spliced:  a=(1,0) b=(1,.2) c=(0,1) d=(1,.3) → a: b (cos .981 > d .958) ✓; b: d (.9956 > a .981) ✗;
    ///           c: d (.287 > b .196 > a 0) ✓; d: b (.9956) ✗, so agreement 2/4.
    func testRetrievalAgreementOnAHandComputedCase() throws {
        let original = m([[1, 0], [1, 0.1], [0, 1], [0.1, 1]])
        let spliced = m([[1, 0], [1, 0.2], [0, 1], [1, 0.3]])
        XCTAssertEqual(SplicedFidelity.nearestOther(original), [1, 0, 3, 2])
        XCTAssertEqual(SplicedFidelity.nearestOther(spliced), [1, 3, 3, 1])
        XCTAssertEqual(try XCTUnwrap(SplicedFidelity.retrievalAgreement(original: original, spliced: spliced)), 0.5)
        XCTAssertEqual(try XCTUnwrap(SplicedFidelity.retrievalAgreement(original: original, spliced: original)), 1)
        // cos of row pairs: 1, 1.02/(√1.04·√1.01), 1, (0.1+0.3)/(√1.01·√1.09)
        let cos = SplicedFidelity.rowCosines(spliced, original)
        let expected = [1, 1.02 / (1.04 * 1.01).squareRoot(), 1, 0.4 / (1.01 * 1.09).squareRoot()]
        for (a, b) in zip(cos, expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        let score = SplicedFidelity.score(name: "x", original: original, spliced: spliced)
        XCTAssertEqual(score.cosine, expected.reduce(0, +) / 4, accuracy: 1e-6)
        XCTAssertEqual(score.minCosine, expected[3], accuracy: 1e-6)
        XCTAssertEqual(score.retrievalAgreement, 0.5)
    }

    /// Ties go to the lower index; a single row has no neighbour; a zero row has cosine 0 with all.
    func testNearestOtherTiesAndDegenerateCases() {
        XCTAssertEqual(SplicedFidelity.nearestOther(m([[1, 0], [2, 0], [3, 0]])), [1, 0, 0])
        XCTAssertNil(SplicedFidelity.nearestOther(m([[1, 0]])))
        XCTAssertNil(SplicedFidelity.retrievalAgreement(original: m([[1, 0]]), spliced: m([[0, 1]])))
        XCTAssertEqual(SplicedFidelity.rowCosines(m([[0, 0]]), m([[1, 0]])), [0])
    }

    /// Mean over each sequence's kept tokens, then divided by its norm: sequence 0 has tokens
    /// (1,2) and (3,2) → mean (2,2) → (1/√2, 1/√2); sequence 1 one token (0,−5) → (0,−1);
    /// with a key mask dropping the second token, sequence 0 is (1,2)/√5.
    func testMeanPoolingOnAHandComputedCase() {
        let states = m([[1, 2], [3, 2], [0, -5]])
        let pooled = BertEncoder.meanPooled(states, TokenBatch(sequences: [[7, 8], [9]]))
        let r = 1 / Float(2).squareRoot()
        XCTAssertEqual(pooled.storage, [r, r, 0, -1])
        let masked = TokenBatch(padded: [[7, 8]], attentionMask: [[1, 0]])
        let one = BertEncoder.meanPooled(m([[1, 2], [3, 2]]), masked)
        XCTAssertEqual(one.storage[0], 1 / Float(5).squareRoot(), accuracy: 1e-7)
        XCTAssertEqual(one.storage[1], 2 / Float(5).squareRoot(), accuracy: 1e-7)
    }

    /// Splicing a layer's own states back in and running the rest of the model gives the
    /// model's own sentence embedding (one uninterrupted pass), at every layer; splicing zeros
    /// does not, so the check can fail.
    func testSplicingTheOriginalStatesReproducesTheModelsEmbedding() throws {
        let lm = try BertModelDirectory(path: try HarvestFixtures.modelDirectory())
        let encoder = BertEncoder(weights: try lm.weights(layers: lm.config.layers))
        let texts = ["The old sailor told the children a story about the sea.", "def add(a, b):\n    return a + b",
                     "Der alte Seemann erzählte eine Geschichte."]
        let batch = TokenBatch(sequences: texts.map { [lm.tokenizer.cls] + lm.tokenizer.tokenize($0) + [lm.tokenizer.sep] })
        let states = encoder.hiddenStates(batch, layer: lm.config.layers, all: true)  // layers 0...6
        let own = BertEncoder.meanPooled(states[lm.config.layers], batch)
        for layer in 0...lm.config.layers {
            let spliced = BertEncoder.meanPooled(encoder.continueFrom(layer: layer, states: states[layer], batch: batch), batch)
            for cos in SplicedFidelity.rowCosines(spliced, own) { XCTAssertEqual(cos, 1, accuracy: 1e-6, "layer \(layer)") }
        }
        var zeroed = states[3]
        for b in 0..<batch.count {
            for i in batch.offsets[b] + 1 ..< batch.offsets[b + 1] - 1 { for k in 0..<zeroed.cols { zeroed[i, k] = 0 } }
        }
        let ablated = BertEncoder.meanPooled(encoder.continueFrom(layer: 3, states: zeroed, batch: batch), batch)
        for cos in SplicedFidelity.rowCosines(ablated, own) { XCTAssertLessThan(cos, 0.99) }
        // Unit norm, as sentence-transformers' Normalize() leaves it.
        for b in 0..<own.rows { XCTAssertEqual(own.row(b).reduce(0) { $0 + Double($1 * $1) }, 1, accuracy: 1e-5) }
    }
}
