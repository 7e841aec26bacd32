@testable import HSAE
import XCTest

/// The model types and their registry (docs/MODEL-PROTOCOL.md step 3): each configuration has
/// exactly one type, and the three types declare today's groups, layers, paths and phases.
final class ModelRegistryTests: XCTestCase {
    func config(top: Bool, matryoshka: Bool = false) -> ModelConfig {
        ModelConfig(d: 5, bottom: LayerSpec(latents: 12, activation: .topk, target: .l0(2)),
                    top: top ? LayerSpec(latents: 3, activation: .topk, target: .l0(1)) : nil, matryoshkaGroups: matryoshka ? [4, 8] : nil)
    }

    func testEachConfigurationHasExactlyOneType() {
        let cases: [(ModelConfig, String)] = [(config(top: false), "flat"), (config(top: false, matryoshka: true), "matryoshka"),
                                              (config(top: true), "design-v1")]
        for (c, name) in cases {
            XCTAssertEqual(ModelRegistry.all.filter { $0.init(config: c) != nil }.map { $0.name }, [name])
            XCTAssertEqual(c.architecture.name, name)
        }
        XCTAssertEqual(ModelRegistry.names, ["flat", "matryoshka", "design-v1", "forest"])
        XCTAssertEqual(Set(ModelRegistry.names).count, ModelRegistry.all.count)
        XCTAssertEqual(ModelRegistry.type(named: "matryoshka")?.name, "matryoshka")
        XCTAssertNil(ModelRegistry.type(named: "hsae"))
    }

    func testTheDeclarationsAreTodays() {
        let hsae = config(top: true).architecture
        XCTAssertEqual(hsae.groups.map(\.name), ["bottom", "top", "gate"])
        XCTAssertEqual(hsae.layers.map(\.name), ["bottom", "top"])
        XCTAssertEqual(hsae.layers.map(\.latentOffset), [0, 12])
        XCTAssertEqual(hsae.layers.map(\.progressLabel), ["", "top "])
        XCTAssertEqual(hsae.paths.map(\.name), ["full", "skip_only", "top_only"])
        XCTAssertEqual(hsae.paths.map(\.gate), [.model, .constant(1), .constant(0)])
        XCTAssertEqual(hsae.paths.map(\.codes), [[0, 1], [0], [1]])
        XCTAssertEqual(hsae.edges, [LayerEdge(parent: 1, child: 0, weights: .topWDec)])
        XCTAssertEqual(hsae.stepCounts.map(\.key), ["density_zhat"])
        for single in [config(top: false), config(top: false, matryoshka: true)] {
            let a = single.architecture
            XCTAssertEqual(a.groups.map(\.name), ["bottom"])
            XCTAssertEqual(a.layers.map(\.name), ["bottom"])
            XCTAssertEqual(a.edges, [])
            XCTAssertTrue(a.stepCounts.isEmpty)
            XCTAssertEqual(a.paths.filter(\.reported).map(\.name), ["full"])
        }
        XCTAssertEqual(config(top: false, matryoshka: true).architecture.paths.map(\.name), ["full", "prefix_4"])
    }

    /// The workspace's buffers: the HSAE's own in the order of HSAEBuffer (its accessors index
    /// Workspace.extra by raw value), a single layer's the eight it uses, and every view where the
    /// declaration put it (each buffer right after the one before, in the declared order).
    func testWorkspaceBuffersAreWhereTheTypeDeclaresThem() {
        let hsae = config(top: true).architecture
        let extras = hsae.workspaceBuffers.compactMap { buffer -> String? in
            if case .extra(let name, _, _) = buffer { return name }
            return nil
        }
        XCTAssertEqual(extras, HSAEBuffer.allCases.map(\.name))
        XCTAssertEqual(config(top: false).architecture.workspaceBuffers, WorkspaceBuffer.singleLayer)
        let (b, c) = (4, config(top: true))
        let ws = Workspace<Float>(config: c, rows: b)
        XCTAssertEqual(ws.xc.base - ws.x.base, b * c.d)
        XCTAssertEqual(ws.z1.base - ws.xc.base, b * c.d)
        XCTAssertEqual(ws.z2.base - ws.z1.base, b * c.m1)
        XCTAssertEqual(ws.q.base - ws.z2.base, b * c.m2)
        XCTAssertEqual(ws.p1.base - ws.gate.base, c.m1)
        XCTAssertEqual(ws.layers.count, 2)
    }

    /// A configuration that names a model type (`ModelConfig.model`, what a fourth type writes) is
    /// none of the first three's, and theirs stay unnamed in files.
    func testANamedConfigurationIsNoneOfTheFirstThree() throws {
        for var c in [config(top: false), config(top: false, matryoshka: true), config(top: true)] {
            XCTAssertFalse(String(decoding: try JSONFormat.encoder(.pretty).encode(c), as: UTF8.self).contains("\"model\""))
            c.model = "forest"
            XCTAssertEqual(ModelRegistry.all.filter { $0.init(config: c) != nil }.map { $0.name }, [])
        }
        XCTAssertEqual(ModelRegistry.unnamed, ["flat", "matryoshka", "design-v1"])
        var options = ModelOptions()
        options.modelType = "flat"  // an unnamed type: the fields say which model it is
        XCTAssertEqual(options.modelConfig(d: 5), ModelOptions().modelConfig(d: 5))
    }

    func testThePhasesAreTodays() {
        var train = TrainConfig()
        train.phaseSteps = [20, 10, 5]
        XCTAssertEqual(train.phases.map(\.name), ["phase 1 (bottom)", "phase 2 (top, bottom frozen)", "phase 3 (end-to-end)"])
        XCTAssertEqual(train.phases.map(\.runsLayers), [1, 2, 2])
        XCTAssertEqual(train.phases.map(\.adaptsLambda), [[true, false], [false, true], [true, true]])
        XCTAssertEqual(train.phases.map(\.trains), [[.bottom], [.top, .gate], [.bottom, .top, .gate]])
        XCTAssertEqual(train.phases.map(\.lrFactor), [1, 1, train.phase3LRFactor])
        train.phased = false
        XCTAssertEqual(train.phases.map(\.steps), [35])
        train.baseline = true
        XCTAssertEqual(train.phases, [TrainingPhase.baseline(steps: 35)])
        XCTAssertEqual(train.phases[0].runsLayers, 1)
        XCTAssertEqual(train.phases[0].adaptsLambda, [true])
        XCTAssertEqual(train.phases[0].terms, TrainingPhase.bottomOnly(steps: 1).terms)
        train.matryoshkaGroups = [4, 8]
        XCTAssertEqual(train.architecture.name, "matryoshka")
        XCTAssertEqual(train.phases, [TrainingPhase.baseline(steps: 35)])
    }
}
