import Foundation
import HSAE
import XCTest

/// Issue 14, item 5, through the executable: `hsae inspect` and `hsae export` on hostile files,
/// and option values that used to trap. One message naming the file or option, non-zero exit,
/// nothing written; and item 4: a bad input on rank 1 only is reported naming rank 1.
final class HostileInputCommandTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hsae-hostile-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func expectOneError(_ out: Harness.Outcome, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(out.timedOut, "hung", file: file, line: line)
        XCTAssertEqual(out.status, 1, "expected exit 1:\n\(out.stderr)", file: file, line: line)
        XCTAssertTrue(out.stderr.contains(message), "expected '\(message)' in:\n\(out.stderr)", file: file, line: line)
        XCTAssertFalse(out.stderr.contains("Fatal error") || out.stderr.contains("Program crashed"), "trapped:\n\(out.stderr)", file: file, line: line)
        XCTAssertEqual(TinyRuns.errorCount(out.stderr), 1, "one message expected:\n\(out.stderr)", file: file, line: line)
    }

    func safetensors(_ header: String, length: UInt64? = nil) -> Data {
        var out = Data()
        var n = (length ?? UInt64(header.utf8.count)).littleEndian
        out.append(Data(bytes: &n, count: 8))
        out.append(Data(header.utf8))
        out.append(Data(count: 16))
        return out
    }

    /// The hostile files of the unit tests, each given to inspect and to export.
    func testInspectAndExportOnHostileFiles() throws {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var npy = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        npy.append(Data(header.utf8))
        npy.append(Data(count: 64))
        let files: [(String, Data, String)] = [
            ("shape.npy", npy, "shape [4611686018427387904, 4] of <f4 is too large"),
            ("length.safetensors", safetensors("{}", length: 0xFFFF_FFFF_FFFF_FFF0), "not a safetensors file: header length 18446744073709551600 does not fit"),
            ("reversed.safetensors", safetensors(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[16,0]}}"#), "tensor 'a': data offsets [16, 0] are not an increasing pair"),
            ("huge.safetensors", safetensors(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,4611686018427387904]}}"#), "tensor 'a': data offsets [0, 4611686018427387904] run past the end of the file"),
            ("big.safetensors", safetensors(#"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}}"#), "tensor 'a': shape [4611686018427387904, 4] is invalid"),
        ]
        for (name, bytes, message) in files {
            let path = dir + "/" + name
            try bytes.write(to: URL(fileURLWithPath: path))
            expectOneError(try Harness.single(["inspect", path]), "\(path): " + message)
            if name.hasSuffix(".safetensors") {
                expectOneError(try Harness.single(["export", "--run", path, "--out", dir + "/exported"]), "\(path): " + message)
                XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/exported"))
            }
        }
    }

    func testInspectAndExportOnAModelClaimingM1TwoToThe40() throws {
        let small = ModelConfig(d: 4, bottom: LayerSpec(latents: 8, activation: .relu, target: .sparsity(0.9)),
                                top: LayerSpec(latents: 2, activation: .relu, target: .sparsity(0.7)))
        try ModelFile.serialize(HierarchicalSAE<Float>(config: small)).write(to: URL(fileURLWithPath: dir + "/m.safetensors"))
        let file = try SafeTensorsFile(path: dir + "/m.safetensors")
        var hostile = small
        hostile.bottom.latents = 1 << 40
        var writer = SafeTensorsWriter(metadata: file.metadata)
        writer.metadata["model_config"] = String(decoding: try JSONEncoder().encode(hostile), as: UTF8.self)
        for t in file.tensors.values { writer.add(t.name, dtype: t.dtype, shape: t.shape, raw: Data(file.bytes(t))) }
        let path = dir + "/model.safetensors"
        try writer.serialized().write(to: URL(fileURLWithPath: path))
        let message = "\(path): tensor 'bottom.W_enc' has shape [4, 8], but model_config (d 4, m1 1099511627776, m2 2) needs [4, 1099511627776]"
        expectOneError(try Harness.single(["export", "--run", path, "--out", dir + "/exported"]), message)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/exported"))
        // inspect only lists a model's tensors and metadata: it must succeed without allocating the model.
        let inspected = try Harness.single(["inspect", path])
        XCTAssertEqual(inspected.status, 0, inspected.stderr)
    }

    /// Option values that trapped after config.json was written now fail before anything is.
    func testOptionRangesAreCheckedBeforeAnythingIsWritten() throws {
        TinyRuns.synth(dir + "/tiny")
        let run = dir + "/run"
        let cases: [([String], String)] = [
            (["--watchdog", "0"], "error: --watchdog: must be a number of seconds in 1...604800 (a week), got 0.0"),
            (["--steps", "1e30,0,0"], "--steps needs whole numbers of steps up to 1000000000000 per phase, got '1e30,0,0'"),
            (["--tokens", "inf,0,0"], "--tokens needs three finite non-negative numbers for phases 1,2,3 (e.g. 2000,1000,1000), got 'inf,0,0'"),
            (["--tokens", "1e300,0,0"], "--tokens gives more than 1000000000000 steps of 4096 tokens in a phase, got '1e300,0,0'"),
            (["--keep-checkpoints", "0"], "--keep-checkpoints: must be >= 1, got 0"),
        ]
        for (extra, message) in cases {
            expectOneError(try Harness.single(["train", "--data", dir + "/tiny", "--out", run] + extra), message)
            XCTAssertFalse(FileManager.default.fileExists(atPath: run), "\(extra): the run directory was created")
        }
    }

    /// `mpirun -np 1 hsae train --data A : -np 1 hsae train --data B` (two app contexts).
    func mpmd(run: String, rank0: String, rank1: String) throws -> Harness.Outcome {
        let common: [String] = ["train", "--out", run] + TinyRuns.common
        var args: [String] = ["-np", "1", Harness.hsae]
        args += common
        args += ["--data", rank0, ":", "-np", "1", Harness.hsae]
        args += common
        args += ["--data", rank1]
        return try Harness.run(Harness.mpirun, args, timeout: 120)
    }

    /// Item 4: rank 1 (only) is given a data path that does not exist. Every rank stops, and
    /// the one message names rank 1 and the path (MPMD: each app context gets its own --data).
    func testRankOneWithAMissingDataPathIsNamed() throws {
        TinyRuns.synth(dir + "/tiny")
        let run = dir + "/run"
        let missing = dir + "/not-on-this-host"
        let out = try mpmd(run: run, rank0: dir + "/tiny", rank1: missing)
        XCTAssertFalse(out.timedOut, "hung")
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("error: rank 1: \(missing): no such file or directory"), out.stderr)
        XCTAssertEqual(TinyRuns.errorCount(out.stderr), 1, out.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run), "the run directory was created")
    }

    /// Item 4 with a truncated shard on rank 1 only.
    func testRankOneWithATruncatedShardIsNamed() throws {
        TinyRuns.synth(dir + "/tiny")
        try FileManager.default.copyItem(atPath: dir + "/tiny", toPath: dir + "/short")
        let shard = dir + "/short/shard-00001.npy"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: shard))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: shard))
        let run = dir + "/run"
        let out = try mpmd(run: run, rank0: dir + "/tiny", rank1: dir + "/short")
        XCTAssertFalse(out.timedOut, "hung")
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("error: rank 1: \(shard): truncated: shape"), out.stderr)
        XCTAssertEqual(TinyRuns.errorCount(out.stderr), 1, out.stderr)
    }
}
