import Dist
import Foundation
import HSAE

/// Runs a command's body on every rank: starts the communicator (MPI under a launcher,
/// single-rank otherwise), reports errors once, and exits non-zero on every rank on failure.
enum Session {
    static func run(_ body: (Communicator, Logger) throws -> Void) -> Never {
        let comm: Communicator
        do {
            comm = try Communicator.world()
        } catch {
            FileHandle.standardError.write(Data("error: cannot start MPI: \(error)\n".utf8))
            exit(1)
        }
        let log = Logger(rank: comm.rank)
        do {
            try body(comm, log)
            comm.finalize()
            exit(0)
        } catch let error as DistError {
            // Agreed failures: every rank holds the same message; rank 0 prints it once.
            log.error(error.description)
            if case .rankFailed = error { comm.finalize() }
            exit(1)
        } catch {
            // Errors from identical inputs happen on every rank alike; rank 0 speaks for all.
            log.error(String(describing: error))
            exit(1)
        }
    }
}
