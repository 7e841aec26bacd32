import HSAE
import XCTest

/// The exported bottom SAE, run with SAELens's formulas on raw x, reproduces the model's
/// bottom-only reconstruction in raw units: x̂ = (Z1 W_dec¹ + b_dec)/c.
final class ExportTests: XCTestCase {
    func testExportedBottomSAEMatchesModelOnRawInputs() throws {
        let (d, m1, b) = (6, 10, 5)
        let config = ModelConfig(d: d, bottom: LayerSpec(latents: m1, activation: .relu, target: .sparsity(0.9)),
                                 top: LayerSpec(latents: 3, activation: .relu, target: .sparsity(0.7)))
        let model = HierarchicalSAE<Float>(config: config)
        var rng = SplitMix64(seed: 11)
        for i in 0..<model.params.count { model.params[i] = Float(rng.nextSigned()) }
        model.inputScale = 2.5
        let raw = (0..<(b * d)).map { _ in Float(rng.nextSigned() * 3) }

        let ws = Workspace<Float>(config: config, rows: b)
        for i in 0..<raw.count { ws.x.base[i] = raw[i] * model.inputScale }
        model.forward(ws, ForwardOptions(layers: 1, training: false))

        let out = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        _ = try SAELensExport.export(model, to: out)
        let st = try SafeTensorsFile(path: out + "/bottom/sae_weights.safetensors")
        let wEnc = try st.floats("W_enc", shape: [d, m1]), bEnc = try st.floats("b_enc", shape: [m1])
        let wDec = try st.floats("W_dec", shape: [m1, d]), bDec = try st.floats("b_dec", shape: [d])
        for r in 0..<b {
            var f = [Double](repeating: 0, count: m1)
            for j in 0..<m1 {
                var s = Double(bEnc[j])
                for i in 0..<d { s += (Double(raw[r * d + i]) - Double(bDec[i])) * Double(wEnc[i * m1 + j]) }
                f[j] = max(0, s)
                XCTAssertEqual(f[j], Double(ws.z1[r, j]), accuracy: 1e-4, "code row \(r) latent \(j)")
            }
            for i in 0..<d {
                var s = Double(bDec[i])
                for j in 0..<m1 { s += f[j] * Double(wDec[j * d + i]) }
                XCTAssertEqual(s, Double(ws.xhat[r, i]) / Double(model.inputScale), accuracy: 1e-4, "x̂ row \(r) dim \(i)")
            }
        }
        let cfg = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/bottom/cfg.json"))) as! [String: Any]
        XCTAssertEqual(cfg["d_in"] as? Int, d)
        XCTAssertEqual(cfg["d_sae"] as? Int, m1)
        XCTAssertEqual(cfg["architecture"] as? String, "standard")
        let top = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/top/cfg.json"))) as! [String: Any]
        XCTAssertEqual(top["d_in"] as? Int, m1)
        XCTAssertEqual(top["apply_b_dec_to_input"] as? Bool, false)
    }
}
