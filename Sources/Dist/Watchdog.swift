import Foundation

/// Ends a job whose step takes far longer than it should (a rank lost to a network
/// partition leaves the others blocked inside a collective, which MPI never times out).
///
/// The owner calls `kick()` after each completed step. A background thread checks every
/// second; when no kick has come for `timeout` seconds it writes one message to stderr and
/// terminates the process with `_exit`, which makes `mpirun` end the other ranks. It never
/// calls MPI itself (MPI runs in FUNNELED mode: only the main thread may).
public final class Watchdog: @unchecked Sendable {
    public let timeout: TimeInterval
    private let rank: Int
    private let what: String
    private let lock = NSLock()
    private var lastKick = Date()
    private var stopped = false
    private var thread: Thread?

    public init(timeout: TimeInterval, rank: Int, what: String = "training step") {
        precondition(timeout > 0, "watchdog timeout must be > 0, got \(timeout)")
        self.timeout = timeout
        self.rank = rank
        self.what = what
    }

    public func start() {
        lastKick = Date()
        let thread = Thread { [weak self] in self?.run() }
        thread.name = "hsae-watchdog"
        self.thread = thread
        thread.start()
    }

    public func kick() {
        lock.lock(); lastKick = Date(); lock.unlock()
    }

    public func stop() {
        lock.lock(); stopped = true; lock.unlock()
    }

    private func run() {
        while true {
            Thread.sleep(forTimeInterval: min(1, timeout / 4))
            lock.lock()
            let idle = Date().timeIntervalSince(lastKick)
            let done = stopped
            lock.unlock()
            if done { return }
            if idle > timeout {
                let message = "error: rank \(rank): watchdog: no \(what) completed in \(Int(idle)) s "
                    + "(limit \(Int(timeout)) s); another rank is probably lost (network partition or a killed "
                    + "process). Ending the job; resume from the newest checkpoint with --resume.\n"
                FileHandle.standardError.write(Data(message.utf8))
                _exit(3)
            }
        }
    }
}
