import HSAE
import XCTest

/// Every question the program asks of an activation has one answer per kind (ActivationKind.traits);
/// these are DESIGN §2/§3's answers, and the code follows them (TrainingUnitTests checks the
/// decoder renormalisation, ExportTests the SAELens architectures, GradientCheckTests the L1 terms).
final class ActivationKindTests: XCTestCase {
    func testEachKindsAnswers() {
        let relu = ActivationKind.relu.traits, topk = ActivationKind.topk.traits, batch = ActivationKind.batchtopk.traits
        XCTAssertEqual(relu.penalty, .adaptiveL1)
        XCTAssertEqual(relu.decoderRows, .free)
        XCTAssertEqual(relu.deadLatentRevival, .ghostGrads)
        XCTAssertFalse(relu.selection.keepsK)
        XCTAssertEqual(relu.export, .standard)
        for t in [topk, batch] {
            XCTAssertEqual(t.penalty, .none)
            XCTAssertEqual(t.decoderRows, .unitNorm)
            XCTAssertEqual(t.deadLatentRevival, .auxK)
            XCTAssertTrue(t.selection.keepsK)
        }
        XCTAssertEqual(topk.export, .topK)
        XCTAssertEqual(batch.export, .jumpReLU)
        XCTAssertEqual(ActivationKind.allCases.filter { $0.traits.selection.learnsInferenceThreshold }, [.batchtopk])
    }

    /// The selection answers `Activation.apply`: relu keeps p + c > 0, topk exactly k per row,
    /// batchtopk b·k over the batch (and, given a threshold, p + c above it).
    func testTheSelectionIsWhatApplyDoes() {
        let (b, m, k) = (4, 7, 2)
        var rng = SplitMix64(seed: 3)
        let p = TensorBuffer<Double>((0..<(b * m)).map { _ in rng.nextSigned() + 0.3 })
        let bias = [Double](repeating: 0.1, count: m)
        for kind in ActivationKind.allCases {
            let z = TensorBuffer<Double>(count: b * m), code = SparseCode<Double>(latents: m)
            var scratch = TopKScratch<Double>()
            bias.withUnsafeBufferPointer {
                _ = Activation.apply(kind, p.view(rows: b, cols: m), bias: $0.baseAddress!, into: z.view(rows: b, cols: m), code: code, k: k,
                                     scratch: &scratch)
            }
            let positive = (0..<(b * m)).filter { p[$0] + bias[$0 % m] > 0 }.count
            switch kind.traits.selection {
            case .positive: XCTAssertEqual(code.count, positive, "\(kind)")
            case .topKPerRow: for i in 0..<b { XCTAssertEqual(code.start[i + 1] - code.start[i], k, "\(kind) row \(i)") }
            case .topKPerBatch: XCTAssertEqual(code.count, b * k, "\(kind)")
            }
        }
    }
}
