import Dist
import Foundation
import XCTest

/// Runs `body` on `size` thread-backed ranks at once and returns their results in rank order.
/// Each rank gets its own `Thread`: a pool (concurrentPerform) may run fewer iterations at once
/// than there are ranks, and ranks blocked in a barrier would then wait forever.
func onThreads<R>(_ size: Int, _ body: @escaping (Communicator) throws -> R) -> [Result<R, Error>] {
    let comms = Communicator.threadGroup(size: size)
    var results = [Result<R, Error>?](repeating: nil, count: size)
    let lock = NSLock()
    let finished = DispatchGroup()
    for r in 0..<size {
        finished.enter()
        Thread {
            let result = Result { try body(comms[r]) }
            lock.lock(); results[r] = result; lock.unlock()
            finished.leave()
        }.start()
    }
    finished.wait()
    return results.map { $0! }
}

final class CommunicatorTests: XCTestCase {
    func testSelfTestPassesOnThreadGroups() throws {
        for size in [1, 2, 3, 4] {
            let results = onThreads(size) { try SelfTest(comm: $0).run() }
            for (rank, result) in results.enumerated() {
                let checks = try result.get()
                XCTAssertEqual(checks.count, 11, "size \(size) rank \(rank)")
                XCTAssertTrue(checks.allSatisfy(\.passed), "size \(size) rank \(rank): \(checks.filter { !$0.passed }.map(\.name))")
            }
        }
    }

    func testInjectedFailureIsAgreedByEveryRank() {
        let results = onThreads(3) { try SelfTest(comm: $0, failRank: 2).run() }
        for result in results {
            guard case .failure(let error) = result else { return XCTFail("a rank did not fail") }
            XCTAssertEqual(error as? DistError, .rankFailed(rank: 2, message: "injected failure (--fail-rank 2)"))
        }
    }

    func testAgreementNamesTheLowestFailingRank() {
        struct Boom: Error, CustomStringConvertible { let r: Int; var description: String { "boom on \(r)" } }
        let results = onThreads(4) { comm in
            try comm.agreeing { if comm.rank == 1 || comm.rank == 3 { throw Boom(r: comm.rank) } }
        }
        for result in results {
            guard case .failure(let error) = result else { return XCTFail("a rank did not fail") }
            XCTAssertEqual(error as? DistError, .rankFailed(rank: 1, message: "boom on 1"))
        }
    }

    func testAgreeingReturnsTheValueWhenNobodyFails() throws {
        let results = onThreads(2) { comm in try comm.agreeing { comm.rank * 10 } }
        XCTAssertEqual(try results.map { try $0.get() }, [0, 10])
    }

    func testAllreduceSumsInPlaceAcrossRanks() throws {
        let results = onThreads(3) { comm -> [Double] in
            var v = [Double(comm.rank), 1.5]
            try comm.allreduce(&v)
            return v
        }
        for result in results { XCTAssertEqual(try result.get(), [3, 4.5]) }
    }

    func testBroadcastResizesReceivers() throws {
        let results = onThreads(3) { comm -> [Int64] in
            var v: [Int64] = comm.rank == 1 ? [7, 8, 9] : [1]
            try comm.broadcast(&v, root: 1)
            return v
        }
        for result in results { XCTAssertEqual(try result.get(), [7, 8, 9]) }
    }

    func testBadRootIsAnError() {
        let results = onThreads(2) { comm in try comm.gather([Int32(1)], root: 5) }
        for result in results {
            guard case .failure(let error) = result else { return XCTFail("root 5 accepted") }
            XCTAssertEqual(error as? DistError, .invalidArgument("root rank 5 is outside 0..<2"))
        }
    }

    func testLaunchDetection() {
        XCTAssertEqual(Launch.detect(environment: [:]), .single)
        XCTAssertEqual(Launch.detect(environment: ["HOME": "/root"]), .single)
        XCTAssertEqual(Launch.detect(environment: ["OMPI_COMM_WORLD_SIZE": "2"]), .mpi)
        XCTAssertEqual(Launch.detect(environment: ["PMIX_RANK": "0"]), .mpi)
        XCTAssertEqual(Launch.detect(environment: ["PMI_RANK": "3"]), .mpi)
    }

    func testWorldWithoutLauncherIsSingleRankAndNeverInitialisesMPI() throws {
        let comm = try Communicator.world(environment: [:])
        XCTAssertEqual(comm.transport, .single)
        XCTAssertEqual(comm.size, 1)
        XCTAssertEqual(comm.rank, 0)
        var v: [Float] = [1, 2]
        try comm.allreduce(&v)
        XCTAssertEqual(v, [1, 2])
    }
}
