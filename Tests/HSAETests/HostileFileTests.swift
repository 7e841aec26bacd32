import Foundation
import HSAE
import XCTest

/// The crashes of issue 14, item 5, one test each: a hostile header is an error naming the
/// file, the value and what was expected — never a trap or an allocation sized from it.
/// (`hsae inspect`/`export` on these files and the option ranges are in MultiRankTests/HostileInputCommandTests.)
final class HostileFileTests: XCTestCase {
    /// safetensors bytes with a hand-written header (any JSON) and `data`.
    func safetensors(header: String, data: Data = Data(count: 16), length: UInt64? = nil) -> Data {
        var out = Data()
        var n = (length ?? UInt64(header.utf8.count)).littleEndian
        out.append(Data(bytes: &n, count: 8))
        out.append(Data(header.utf8))
        out.append(data)
        return out
    }

    func testNPYShapeTwoToThe62() {
        let dir = temporaryDirectory(self)
        write(npyBytes(descr: "<f4", shape: "(4611686018427387904, 4)", raw: Data(count: 64)), dir + "/a.npy")
        assertThrows("\(dir)/a.npy: shape [4611686018427387904, 4] of <f4 is too large (its byte count overflows a 64-bit integer)") {
            try NPYFile(path: dir + "/a.npy")
        }
    }

    func testSafeTensorsHeaderLengthNearUInt64Max() {
        let dir = temporaryDirectory(self)
        write(safetensors(header: "{}", length: 0xFFFF_FFFF_FFFF_FFF0), dir + "/a.safetensors")
        assertThrows("\(dir)/a.safetensors: not a safetensors file: header length 18446744073709551600 does not fit a 26-byte file") {
            try SafeTensorsFile(path: dir + "/a.safetensors")
        }
    }

    func testSafeTensorsReversedOffsets() {
        let dir = temporaryDirectory(self)
        write(safetensors(header: #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[16,0]}}"#), dir + "/a.safetensors")
        assertThrows("\(dir)/a.safetensors: tensor 'a': data offsets [16, 0] are not an increasing pair of non-negative integers") {
            try SafeTensorsFile(path: dir + "/a.safetensors")
        }
    }

    func testSafeTensorsHugeOffsets() {
        let dir = temporaryDirectory(self)
        for (offsets, shown) in [("[0,4611686018427387904]", "[0, 4611686018427387904]"),
                                 ("[9223372036854775800,9223372036854775807]", "[9223372036854775800, 9223372036854775807]")] {
            write(safetensors(header: #"{"a":{"dtype":"F32","shape":[4],"data_offsets":"# + offsets + "}}"), dir + "/a.safetensors")
            assertThrows("\(dir)/a.safetensors: tensor 'a': data offsets \(shown) run past the end of the file (truncated?)") {
                try SafeTensorsFile(path: dir + "/a.safetensors")
            }
        }
    }

    func testSafeTensorsShapeTwoToThe62() {
        let dir = temporaryDirectory(self)
        write(safetensors(header: #"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}}"#), dir + "/a.safetensors")
        assertThrows("\(dir)/a.safetensors: tensor 'a': shape [4611686018427387904, 4] is invalid (a negative dimension, or a byte count that overflows)") {
            try SafeTensorsFile(path: dir + "/a.safetensors")
        }
    }

    func testModelConfigWithM1TwoToThe40() throws {
        let dir = temporaryDirectory(self)
        let small = FuzzTests.smallModel
        write(try ModelFile.serialize(HierarchicalSAE<Float>(config: small)), dir + "/m.safetensors")
        let file = try SafeTensorsFile(path: dir + "/m.safetensors")
        // The small model's tensors under a model_config claiming m1 = 2^40 (435 TB of parameters).
        var hostile = small
        hostile.bottom.latents = 1 << 40
        var writer = SafeTensorsWriter(metadata: file.metadata)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        writer.metadata["model_config"] = String(decoding: try encoder.encode(hostile), as: UTF8.self)
        for t in file.tensors.values { writer.add(t.name, dtype: t.dtype, shape: t.shape, raw: Data(file.bytes(t))) }
        write(writer.serialized(), dir + "/hostile.safetensors")
        assertThrows("\(dir)/hostile.safetensors: tensor 'bottom.W_enc' has shape [4, 8], but model_config (d 4, m1 1099511627776, m2 2) needs [4, 1099511627776]") {
            try ModelFile.load(path: dir + "/hostile.safetensors")
        }
    }

    /// The append that trapped on a full disk (`FileHandle.write` traps on any write error):
    /// a handle that cannot be written stands in for ENOSPC, which a test cannot produce safely.
    func testMetricsAppendOnAFailingFileIsAnError() throws {
        let dir = temporaryDirectory(self)
        write(Data(), dir + "/metrics.jsonl")
        let log = MetricsLog(path: dir + "/metrics.jsonl", handle: try XCTUnwrap(FileHandle(forReadingAtPath: dir + "/metrics.jsonl")))
        log.append(["step": 1])
        log.append(["step": 2])
        let failure = try XCTUnwrap(log.failure, "a failed append must be remembered")
        XCTAssertTrue(failure.description.hasPrefix("\(dir)/metrics.jsonl: cannot append to the metrics log: "), failure.description)
        XCTAssertTrue(failure.description.hasSuffix("(disk full? free space and resume)"), failure.description)
    }

    func testWatchdogZeroIsAConfigurationError() {
        for value in [0, -1, .nan, .infinity] as [Double] {
            var c = TrainConfig()
            c.watchdogSeconds = value
            assertThrows("--watchdog: must be a number of seconds in 1...604800 (a week), got \(value)") {
                try c.validate(trainingRows: nil, ranks: 1)
            }
        }
    }

    func testHugePhaseLengthsAreAConfigurationError() {
        var c = TrainConfig()
        c.phaseSteps = [Int.max, 0, 0]
        assertThrows("--steps: needs three non-negative phase lengths with a positive total, got [\(Int.max), 0, 0]") {
            try c.validate(trainingRows: nil, ranks: 1)
        }
    }
}

/// Model sizes are checked against memory with overflow-checked arithmetic.
final class ModelMemoryTests: XCTestCase {
    func testSizesBeyondMemoryOrIntAreRefused() {
        var c = TrainConfig()
        c.m1 = 1 << 30
        c.m2 = 1
        assertThrows("--m1: a model with d = 384, m1 = 1073741824, m2 = 1 needs 16600.0 GB per rank (parameters, gradients and Adam moments), more than this machine's 16.0 GB") {
            try c.checkMemory(d: 384, physicalBytes: 16_000_000_000)
        }
        c.m1 = 512
        c.m2 = nil
        XCTAssertNoThrow(try c.checkMemory(d: 384, physicalBytes: 16_000_000_000))
        c.m1 = 1 << 30
        assertThrows("--m1: a model with d = \(Int.max / 2), m1 = 1073741824, m2 = 268435456 needs more than 2^63 bytes per rank (parameters, gradients and Adam moments), more than this machine's 16.0 GB") {
            try c.checkMemory(d: Int.max / 2, physicalBytes: 16_000_000_000)
        }
    }

    /// The count is the layout's: five float32 buffers of exactly the tensors the model allocates.
    /// A flat model has no top.b_dec or gate.logits (before step 2 of docs/MODEL-PROTOCOL.md its
    /// count included their 2 · m1 values: 1438.8 GB here instead of 1395.9 GB).
    func testTheCountIsTheLayoutsForEachModel() {
        for baseline in [false, true] {
            var c = TrainConfig()
            c.m1 = 1 << 30
            c.m2 = 8
            c.baseline = baseline
            let model = c.modelConfig(d: 32)
            let gb = String(format: "%.1f GB", Double(ParameterLayout(groups: model.parameterGroups).count * 5 * 4) / 1e9)
            assertThrows("--m1: a model with d = 32, m1 = \(model.m1), m2 = \(model.m2) needs \(gb) per rank (parameters, gradients and Adam moments), more than this machine's 16.0 GB") {
                try c.checkMemory(d: 32, physicalBytes: 16_000_000_000)
            }
            if baseline { XCTAssertEqual(gb, "1395.9 GB") } else { XCTAssertEqual(gb, "1782.4 GB") }
        }
    }
}
