import HSAE
import XCTest

/// The Swift BERT forward against transformers (Tests/Fixtures/minilm-reference.json).
final class BertReferenceTests: XCTestCase {
    static var cached: BertEncoder?

    func encoder() throws -> BertEncoder {
        if let e = Self.cached { return e }
        let dir = try BertModelDirectory(path: try HarvestFixtures.modelDirectory())
        let e = BertEncoder(weights: try dir.weights(layers: dir.config.layers))
        Self.cached = e
        return e
    }

    /// Every layer (0 = embeddings … 6) of every fixture sentence: first 16 values and the
    /// norm of each token's vector within 1e-3, run as one packed batch.
    func testHiddenStatesMatchTheReferenceAtEveryLayer() throws {
        let encoder = try encoder()
        let reference = try HarvestFixtures.reference()
        let batch = TokenBatch(sequences: reference.hidden_states.map(\.ids))
        let states = encoder.hiddenStates(batch, layer: encoder.config.layers, all: true)
        XCTAssertEqual(states.count, 7)
        var worst: Float = 0
        for (b, sentence) in reference.hidden_states.enumerated() {
            XCTAssertEqual(sentence.layers.count, states.count)
            for (l, layer) in sentence.layers.enumerated() {
                for t in 0..<sentence.ids.count {
                    let row = states[l].row(batch.offsets[b] + t)
                    let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    worst = max(worst, abs(norm - layer.norm[t]))
                    XCTAssertEqual(norm, layer.norm[t], accuracy: 1e-3, "sentence \(b) layer \(l) token \(t): norm")
                    for j in 0..<16 {
                        worst = max(worst, abs(row[j] - layer.first16[t][j]))
                        XCTAssertEqual(row[j], layer.first16[t][j], accuracy: 1e-3, "sentence \(b) layer \(l) token \(t) value \(j)")
                    }
                }
            }
        }
        print("BertReferenceTests: largest deviation from \(reference.reference): \(worst)")
    }

    /// A padded batch with an attention mask gives the same states for real tokens as each
    /// sequence alone; padding keys are ignored.
    func testPaddedBatchWithMaskEqualsUnpaddedSequences() throws {
        let encoder = try encoder()
        let sequences: [[Int32]] = [[101, 7592, 1010, 2088, 999, 102], [101, 1996, 4248, 102], [101, 102]]
        let T = sequences.map(\.count).max()!
        let padded = sequences.map { $0 + [Int32](repeating: 0, count: T - $0.count) }
        let mask = sequences.map { [Int32](repeating: 1, count: $0.count) + [Int32](repeating: 0, count: T - $0.count) }
        let paddedStates = encoder.hiddenStates(TokenBatch(padded: padded, attentionMask: mask), layer: 6)[0]
        for (b, s) in sequences.enumerated() {
            let alone = encoder.hiddenStates(TokenBatch(sequences: [s]), layer: 6)[0]
            for t in 0..<s.count {
                let p = paddedStates.row(b * T + t), a = alone.row(t)
                for j in 0..<p.count { XCTAssertEqual(p[j], a[j], accuracy: 1e-4, "sequence \(b) token \(t) dim \(j)") }
            }
        }
        // Without the mask the padding would change the states: the test can fail.
        let unmasked = encoder.hiddenStates(TokenBatch(sequences: padded), layer: 6)[0]
        let alone = encoder.hiddenStates(TokenBatch(sequences: [sequences[2]]), layer: 6)[0]
        XCTAssertGreaterThan(abs(unmasked.row(2 * T)[0] - alone.row(0)[0]), 1e-3)
    }
}
