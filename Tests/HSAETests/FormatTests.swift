import Foundation
import HSAE
import XCTest

/// Shard formats read through `ActivationDataset`: round trips per dtype, and every malformed
/// shard refused with a message naming the file, the value and what was expected.
final class FormatTests: XCTestCase {
    /// Exactly representable in f16 and bf16, so every format must give them back unchanged.
    let exact: [Float] = [0.5, -1.25, 3, 0.125, -0.0625, 2, 0, -7.5, 1.5, -0.25, 0.75, 4]  // 4 × 3

    func testNPYRoundTripF32AndF16() throws {
        for type in [ElementType.f32, .f16] {
            let dir = temporaryDirectory(self)
            let shard = try ShardWriter.write(directory: dir, name: "a", values: exact, rows: 4, d: 3, dtype: type)
            XCTAssertEqual(shard, DatasetManifest.Shard(file: "a.npy", rows: 4))
            let data = try ActivationDataset(path: dir)
            XCTAssertEqual([data.rows, data.d], [4, 3])
            XCTAssertEqual(try data.read(rows: [0, 1, 2, 3]).storage, exact, "\(type)")
            XCTAssertEqual(try data.read(rows: [3, 1]).storage, Array(exact[9..<12] + exact[3..<6]), "\(type)")
        }
    }

    func testNPYF16RoundsLikeFloat16() throws {
        let dir = temporaryDirectory(self)
        var rng = SplitMix64(seed: 3)
        let values = (0..<40).map { _ in Float(rng.nextGaussian()) }
        _ = try ShardWriter.write(directory: dir, name: "a", values: values, rows: 8, d: 5, dtype: .f16)
        let read = try ActivationDataset(path: dir).read(rows: Array(0..<8)).storage
        XCTAssertEqual(read, values.map { Float(Float16($0)) })
        XCTAssertNotEqual(read, values)  // f16 really is stored, not f32
    }

    func testSafeTensorsRoundTripF32F16BF16() throws {
        for type in [ElementType.f32, .f16, .bf16] {
            let dir = temporaryDirectory(self)
            write(safetensorsShard(exact, shape: [4, 3], type: type), dir + "/s.safetensors")
            let data = try ActivationDataset(path: dir + "/s.safetensors")  // a single file works too
            XCTAssertEqual([data.rows, data.d], [4, 3])
            XCTAssertEqual(try data.read(rows: [0, 1, 2, 3]).storage, exact, "\(type)")
        }
    }

    func testBF16KeepsTheUpperHalfOfFloat32() throws {
        let dir = temporaryDirectory(self)
        let values: [Float] = [1.0 / 3, -2.0 / 3, 1e-3, 12345.678]
        write(safetensorsShard(values, shape: [2, 2], type: .bf16), dir + "/s.safetensors")
        let read = try ActivationDataset(path: dir).read(rows: [0, 1]).storage
        XCTAssertEqual(read, values.map { Float(bitPattern: $0.bitPattern & 0xFFFF_0000) })
    }

    func testUnsupportedNPYDtypes() throws {
        let dir = temporaryDirectory(self)
        write(npyBytes(descr: "<i4", shape: "(2, 2)", raw: Data(count: 16)), dir + "/i.npy")
        assertThrows("\(dir)/i.npy: unsupported dtype '<i4', expected '<f4' or '<f2'") { try ActivationDataset(path: dir + "/i.npy") }
        write(npyBytes(descr: ">f4", shape: "(2, 2)", raw: Data(count: 16)), dir + "/b.npy")
        assertThrows("\(dir)/b.npy: unsupported dtype '>f4', expected '<f4' or '<f2' (little-endian float32/float16)") {
            try ActivationDataset(path: dir + "/b.npy")
        }
    }

    func testUnsupportedSafeTensorsDtypeAndMissingTensor() throws {
        let dir = temporaryDirectory(self)
        var writer = SafeTensorsWriter()
        writer.add("activations", shape: [2, 2], int64: [1, 2, 3, 4])
        write(writer.serialized(), dir + "/i.safetensors")
        assertThrows("\(dir)/i.safetensors: tensor 'activations' is I64, expected F32, F16 or BF16") {
            try ActivationDataset(path: dir + "/i.safetensors")
        }
        write(safetensorsShard(exact, shape: [4, 3], type: .f32, name: "x"), dir + "/x.safetensors")
        assertThrows("\(dir)/x.safetensors: has no tensor named 'activations' (--tensor); it has: x") {
            try ActivationDataset(path: dir + "/x.safetensors", tensor: "activations")
        }
    }

    func testOneAndFourDimensionalArraysAreRefused() throws {
        let dir = temporaryDirectory(self)
        write(NPYFile.serialize([Float]([1, 2, 3]), shape: [3]), dir + "/v.npy")
        assertThrows("\(dir)/v.npy: is a 1-D array of shape [3], expected 2-D (rows × d) or 3-D (batch × seq × d)") {
            try ActivationDataset(path: dir + "/v.npy")
        }
        write(NPYFile.serialize([Float](repeating: 1, count: 48), shape: [2, 3, 4, 2]), dir + "/c.npy")
        assertThrows("\(dir)/c.npy: is a 4-D array of shape [2, 3, 4, 2], expected 2-D (rows × d) or 3-D (batch × seq × d)") {
            try ActivationDataset(path: dir + "/c.npy")
        }
        write(safetensorsShard([Float](repeating: 1, count: 48), shape: [2, 3, 4, 2], type: .f16), dir + "/c.safetensors")
        assertThrows("\(dir)/c.safetensors: is a 4-D array of shape [2, 3, 4, 2], expected 2-D (rows × d) or 3-D (batch × seq × d)") {
            try ActivationDataset(path: dir + "/c.safetensors")
        }
    }

    func testTruncatedShards() throws {
        let dir = temporaryDirectory(self)
        let full = NPYFile.serialize(exact, shape: [4, 3])
        write(full.prefix(full.count - 8), dir + "/t.npy")
        assertThrows("\(dir)/t.npy: truncated: shape [4, 3] of <f4 needs 48 data bytes, file has 40") { try ActivationDataset(path: dir + "/t.npy") }
        let st = safetensorsShard(exact, shape: [4, 3], type: .f32)
        write(st.prefix(st.count - 4), dir + "/t.safetensors")
        assertThrows("\(dir)/t.safetensors: tensor 'activations': data offsets [0, 48] run past the end of the file (truncated?)") {
            try ActivationDataset(path: dir + "/t.safetensors")
        }
        write(Data([1, 2, 3]), dir + "/tiny.safetensors")
        assertThrows("\(dir)/tiny.safetensors: not a safetensors file: 3 bytes, expected at least 8") {
            try ActivationDataset(path: dir + "/tiny.safetensors")
        }
    }

    func testFortranOrderAndBadMagicAreRefused() throws {
        let dir = temporaryDirectory(self)
        write(npyBytes(descr: "<f4", shape: "(4, 3)", raw: rawBytes(exact, as: .f32), fortranOrder: true), dir + "/f.npy")
        assertThrows("\(dir)/f.npy: array is in Fortran order, expected C order (save with np.ascontiguousarray)") {
            try ActivationDataset(path: dir + "/f.npy")
        }
        write(Data("not numpy at all".utf8), dir + "/m.npy")
        assertThrows("\(dir)/m.npy: not a .npy file (bad magic)") { try ActivationDataset(path: dir + "/m.npy") }
    }
}
