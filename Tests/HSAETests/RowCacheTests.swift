import Foundation
import HSAE
import XCTest

/// `ActivationDataset.cacheLeadingRows` (`--data-cache`): rows held in memory read exactly as the
/// same rows read from their shards, for every stored type, across shard boundaries, masked.
final class RowCacheTests: XCTestCase {
    /// d = 19 (one 16-lane block and a tail for the finiteness check). Shards: a (f32, 3 rows),
    /// b (f16, 4 rows), c (a 2 × 3 cube of positions, f32, mask keeping 4 of them); row values are
    /// distinct small integers (exact in f16).
    let d = 19

    func dataSet() throws -> (dir: String, rows: Int) {
        let dir = temporaryDirectory(self)
        func values(_ rows: Range<Int>) -> [Float] { rows.flatMap { r in (0..<d).map { Float(r * 20 + $0) } } }
        var shards = [try ShardWriter.write(directory: dir, name: "a", values: values(0..<3), rows: 3, d: d),
                      try ShardWriter.write(directory: dir, name: "b", values: values(3..<7), rows: 4, d: d, dtype: .f16)]
        write(NPYFile.serialize(values(10..<16), shape: [2, 3, d]), dir + "/c.npy")
        write(NPYFile.serialize([Int32]([1, 0, 1, 1, 0, 1]), shape: [2, 3]), dir + "/c-keep.npy")
        var c = DatasetManifest.Shard(file: "c.npy", rows: 4)
        c.mask = "c-keep.npy"
        shards.append(c)
        try DatasetManifest(d: d, dtype: "<f4", shards: shards).write(to: dir)
        return (dir, 11)
    }

    func testCachedRowsReadAsTheShardsGiveThem() throws {
        let (dir, rows) = try dataSet()
        let order = [10, 0, 6, 3, 7, 2, 9, 1, 8, 5, 4, 4]
        let expected = try ActivationDataset(path: dir).read(rows: order).storage
        XCTAssertEqual(Array(expected[8 * d ..< 9 * d]), (0..<d).map { Float(12 * 20 + $0) })  // row 8: position 2 of c
        let rowBytes = d * 4
        // No cache, part of a row, part of shard b, ending inside the masked shard, all, more than all;
        // blocks of one row and of three rows (the last block short), and the default.
        for (budget, held) in [(0, 0), (rowBytes - 1, 0), (5 * rowBytes, 5), (9 * rowBytes + 7, 9), (rows * rowBytes, rows), (1 << 30, rows)] {
            for block in [rowBytes, 3 * rowBytes, 1 << 24] {
                let data = try ActivationDataset(path: dir)
                XCTAssertEqual(try data.cacheLeadingRows(budget: budget, block: block), held, "budget \(budget)")
                XCTAssertEqual(data.cachedRows, held)
                XCTAssertEqual(try data.read(rows: order).storage, expected, "budget \(budget), block \(block)")
            }
        }
    }

    /// A non-finite row in the cached part is refused as it is uncached: naming shard and row.
    /// The bad value sits in the 16-lane block (column 3) or in the tail after it (column 17).
    func testNonFiniteCachedRowNamesShardAndRow() throws {
        for (column, bad) in [(3, Float.nan), (17, .nan), (3, .infinity), (17, -.infinity)] {
            let dir = temporaryDirectory(self)
            var values = (0..<(4 * d)).map(Float.init)
            values[2 * d + column] = bad
            _ = try ShardWriter.write(directory: dir, name: "a", values: values, rows: 4, d: d)
            let data = try ActivationDataset(path: dir)
            XCTAssertEqual(try data.cacheLeadingRows(budget: 1 << 20), 4)
            XCTAssertEqual(try data.read(rows: [3, 1]).storage, Array(values[3 * d ..< 4 * d] + values[d ..< 2 * d]))
            assertThrows("\(dir)/a.npy: row 2 contains NaN or Inf (hsae train --skip-nonfinite skips such rows in training; eval and features read every row they are given, so fix or remove the row)") {
                try data.read(rows: [0, 2])
            }
        }
    }
}
