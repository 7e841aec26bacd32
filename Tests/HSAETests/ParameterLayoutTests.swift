@testable import HSAE
import XCTest

/// The layout built from declared parameter groups against the hand-written table it replaced
/// (docs/MODEL-PROTOCOL.md step 2): the same names, offsets, shapes and orientation for each of the
/// three models, so model.safetensors, optimizer.safetensors and the exact-mode ranges keep their bytes.
final class ParameterLayoutTests: XCTestCase {
    let (d, m1, m2) = (5, 12, 3)

    func config(top: Bool, matryoshka: Bool = false, gate: GateMode = .learned) -> ModelConfig {
        ModelConfig(d: d, bottom: LayerSpec(latents: m1, activation: .topk, target: .l0(2)),
                    top: top ? LayerSpec(latents: m2, activation: .topk, target: .l0(1)) : nil, gate: gate,
                    matryoshkaGroups: matryoshka ? [4, 8] : nil)
    }

    /// The table of the old ParameterLayout: (name, rows, cols, transposed), laid end to end.
    func oldTable(top: Bool) -> [(String, Int, Int, Bool)] {
        var t = [("bottom.W_enc", m1, d, true), ("bottom.b_enc", 1, m1, false), ("bottom.W_dec", m1, d, false), ("bottom.b_dec", 1, d, false)]
        if top {
            t += [("top.W_enc", m1, m2, false), ("top.b_enc", 1, m2, false), ("top.W_dec", m2, m1, false), ("top.b_dec", 1, m1, false),
                  ("gate.logits", 1, m1, false)]
        }
        return t
    }

    func testTheThreeModelsKeepTheOldLayout() {
        for (top, matryoshka) in [(true, false), (false, false), (false, true)] {
            let layout = ParameterLayout(config(top: top, matryoshka: matryoshka))
            let table = oldTable(top: top)
            XCTAssertEqual(layout.entries.count, table.count)
            var offset = 0
            for (e, (name, rows, cols, transposed)) in zip(layout.entries, table) {
                XCTAssertEqual(e.name, name)
                XCTAssertEqual(e.offset, offset, name)
                XCTAssertEqual([e.rows, e.cols], [rows, cols], name)
                XCTAssertEqual(e.transposedInMemory, transposed, name)
                offset += rows * cols
            }
            XCTAssertEqual(layout.count, offset)
        }
    }

    func testTheOldSpellingsNameTheirTensors() {
        let layout = ParameterLayout(config(top: true))
        let ids: [TensorID] = [.bottomWEnc, .bottomBEnc, .bottomWDec, .bottomBDec, .topWEnc, .topBEnc, .topWDec, .topBDec, .gateLogits]
        XCTAssertEqual(ids.map { layout.entry($0).name }, oldTable(top: true).map(\.0))
        XCTAssertEqual(layout.entries.map(\.id), ids)
        XCTAssertFalse(ParameterLayout(config(top: false)).contains(.topWDec))
    }

    func testGroupSetBitsAreTheOldTrainableValues() {
        XCTAssertEqual([GroupSet.bottom, .top, .gate].map(\.rawValue), [1, 2, 4])
        let set: GroupSet = [.bottom, .gate]
        XCTAssertEqual([0, 1, 2].map { set.contains(group: $0) }, [true, false, true])
    }

    func testAFixedGateIsNotTrainable() {
        XCTAssertEqual(ParameterLayout(config(top: true)).groups.map(\.trainable), [true, true, true])
        XCTAssertEqual(ParameterLayout(config(top: true, gate: .fixed)).groups.map(\.trainable), [true, true, false])
    }

    /// bottom.W_enc is held transposed in memory; files keep DESIGN's d × m1.
    func testEncoderIsTransposedInMemoryAndNotInFiles() throws {
        let config = ModelConfig(d: 3, bottom: LayerSpec(latents: 5, activation: .topk, target: .l0(2)),
                                 top: LayerSpec(latents: 2, activation: .topk, target: .l0(1)), gate: .learned)
        let model = HierarchicalSAE<Float>(config: config)
        for i in 0..<model.params.count { model.params[i] = Float(i) }
        let e = model.layout.entry(.bottomWEnc)
        XCTAssertEqual([e.rows, e.cols], [5, 3])
        XCTAssertEqual(e.fileShape, [3, 5])
        let file = model.fileValues(.bottomWEnc)
        let mem = model.view(.bottomWEnc)
        for r in 0..<3 { for c in 0..<5 { XCTAssertEqual(file[r * 5 + c], mem[c, r]) } }
        let whole = model.layout.fileOrder(UnsafeBufferPointer(model.params.buffer))
        XCTAssertEqual(whole.withUnsafeBufferPointer { model.layout.memoryOrder($0) }, model.params.array)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("layout-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ModelFile.serialize(model).write(to: URL(fileURLWithPath: path))
        let stored = try SafeTensorsFile(path: path)
        XCTAssertEqual(try stored.info("bottom.W_enc").shape, [3, 5])
        XCTAssertEqual(try stored.values("bottom.W_enc", as: Float.self), file)
        XCTAssertEqual(try ModelFile.load(path: path).params.array, model.params.array)
    }
}
