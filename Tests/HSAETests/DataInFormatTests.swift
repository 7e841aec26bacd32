import Foundation
import HSAE
import XCTest

/// Activations as other tools write them: 3-D (batch × seq × d) arrays flattened over batch × seq,
/// an optional mask dropping padded positions, and safetensors with any tensor name (`--tensor`).
final class DataInFormatTests: XCTestCase {
    /// batch 2 × seq 3 × d 2; value = 10·(b·3 + s) + j, so a row's values name its position.
    let cube: [Float] = (0..<6).flatMap { p in [Float(10 * p), Float(10 * p + 1)] }

    func testThreeDimensionalNPYIsFlattenedOverBatchAndSequence() throws {
        let dir = temporaryDirectory(self)
        write(NPYFile.serialize(cube, shape: [2, 3, 2]), dir + "/acts.npy")
        let data = try ActivationDataset(path: dir + "/acts.npy")
        XCTAssertEqual([data.rows, data.d], [6, 2])
        XCTAssertEqual(try data.read(rows: Array(0..<6)).storage, cube)
    }

    func testMaskBesideTheShardDropsPaddedPositions() throws {
        for (descr, bytes) in [("|b1", Data([1, 1, 0, 1, 0, 0])), ("|u1", Data([1, 1, 0, 1, 0, 0]))] {
            let dir = temporaryDirectory(self)
            write(NPYFile.serialize(cube, shape: [2, 3, 2]), dir + "/acts.npy")
            write(npyBytes(descr: descr, shape: "(2, 3)", raw: bytes), dir + "/acts.mask.npy")
            let data = try ActivationDataset(path: dir)  // the bare directory: the mask is not a shard
            XCTAssertEqual([data.rows, data.d], [3, 2], descr)
            XCTAssertEqual(try data.read(rows: [0, 1, 2]).storage, [0, 1, 10, 11, 30, 31], descr)  // positions 0, 1, 3
        }
        let dir = temporaryDirectory(self)
        write(NPYFile.serialize(cube, shape: [2, 3, 2]), dir + "/acts.npy")
        write(NPYFile.serialize([Int32](repeating: 1, count: 4), shape: [2, 2]), dir + "/acts.mask.npy")
        assertThrows("\(dir)/acts.mask.npy: mask has shape [2, 2], expected [2, 3] (the activations' shape without d)") {
            try ActivationDataset(path: dir)
        }
        write(NPYFile.serialize([Float](repeating: 1, count: 6), shape: [2, 3]), dir + "/acts.mask.npy")
        assertThrows("\(dir)/acts.mask.npy: mask dtype is <f4, expected bool, uint8, int32 or int64") { try ActivationDataset(path: dir) }
    }

    func testMaskNamedInTheManifest() throws {
        let dir = temporaryDirectory(self)
        write(NPYFile.serialize(cube, shape: [2, 3, 2]), dir + "/acts.npy")
        write(NPYFile.serialize([Int32]([0, 1, 1, 1, 1, 0]), shape: [6]), dir + "/keep.npy")
        var shard = DatasetManifest.Shard(file: "acts.npy", rows: 4)
        shard.mask = "keep.npy"
        try DatasetManifest(d: 2, dtype: "<f4", shards: [shard]).write(to: dir)
        let data = try ActivationDataset(path: dir)
        XCTAssertEqual(try data.read(rows: [0, 3]).storage, [10, 11, 40, 41])
    }

    func testSafeTensorsTensorChoice() throws {
        let dir = temporaryDirectory(self)
        let name = "blocks.6.hook_resid_post"
        write(safetensorsShard(cube, shape: [2, 3, 2], type: .f32, name: name), dir + "/one.safetensors")
        let only = try ActivationDataset(path: dir + "/one.safetensors")  // the only tensor, whatever its name
        XCTAssertEqual(try only.read(rows: Array(0..<6)).storage, cube)
        var writer = SafeTensorsWriter()
        writer.add(name, shape: [6, 2], values: cube)
        writer.add("blocks.5.hook_resid_post", shape: [6, 2], values: cube.map { -$0 })
        write(writer.serialized(), dir + "/two.safetensors")
        assertThrows("\(dir)/two.safetensors: holds 2 tensors (blocks.5.hook_resid_post, \(name)) and none is named "
                     + "'activations'; choose one with --tensor NAME") { try ActivationDataset(path: dir + "/two.safetensors") }
        let chosen = try ActivationDataset(path: dir + "/two.safetensors", tensor: "blocks.5.hook_resid_post")
        XCTAssertEqual(try chosen.read(rows: [1]).storage, [-10, -11])
        assertThrows("\(dir)/two.safetensors: has no tensor named 'blocks.7' (--tensor); it has: blocks.5.hook_resid_post, \(name)") {
            try ActivationDataset(path: dir + "/two.safetensors", tensor: "blocks.7")
        }
    }
}
