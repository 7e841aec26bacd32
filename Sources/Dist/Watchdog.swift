import Foundation

/// Ends a job whose step takes far longer than it should (a rank lost to a network
/// partition leaves the others blocked inside a collective, which MPI never times out).
///
/// The owner calls `kick()` after each completed step. A background thread checks every
/// second; when no kick has come for `timeout` seconds of the process running (time it spent
/// stopped moves the deadline: `discountingSuspension`) it writes one message to stderr and
/// terminates the process with `_exit`, which makes `mpirun` end the other ranks. It never
/// calls MPI itself (MPI runs in FUNNELED mode: only the main thread may).
///
/// Across a network partition `_exit` is not enough: a rank on a remote host is the child of
/// an `orted` that tries to tell the unreachable mpirun, and waits on TCP retransmission
/// (~16 minutes). So when this process's parent is an `orted`, the watchdog ends it too; the
/// mpirun side is ended by the supervisor in scripts/mpirun, which also names the ranks it
/// never heard from (README, troubleshooting).
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

    /// The parent's PID when the parent is OpenMPI's remote daemon (`orted`), else nil: under
    /// a local mpirun, srun or no launcher the parent is left alone.
    static func parentDaemon() -> pid_t? {
        let parent = getppid()
        guard parent > 1, let comm = try? String(contentsOfFile: "/proc/\(parent)/comm", encoding: .utf8),
              comm.trimmingCharacters(in: .whitespacesAndNewlines) == "orted" else { return nil }
        return parent
    }

    /// The new `lastKick` for a check made at `now`, the previous one at `previousCheck`, when the
    /// checks are `interval` apart while the process runs. A longer gap than
    /// `suspensionGap(interval)` means the process did not run in between: it was stopped
    /// (SIGSTOP, Ctrl-Z on mpirun) or the machine slept. That time is not the job's, so the
    /// deadline moves by it. Without this a job resumed after a pause longer than the timeout
    /// was killed at once. (A process starved of CPU for that long, e.g. thrashing, is treated
    /// the same way: its deadline moves too.)
    /// Only a kick from before the stop moves: one that came after the process resumed (the main
    /// thread can finish its step before this thread checks) is already recent, and the deadline
    /// never moves past `now`.
    public static func discountingSuspension(lastKick: Date, previousCheck: Date, now: Date, interval: TimeInterval) -> Date {
        let gap = now.timeIntervalSince(previousCheck)
        guard gap > suspensionGap(interval), lastKick <= previousCheck else { return lastKick }
        return min(lastKick.addingTimeInterval(gap - interval), now)
    }

    public static func suspensionGap(_ interval: TimeInterval) -> TimeInterval { max(5, 4 * interval) }

    private func run() {
        let interval = min(1, timeout / 4)
        var previousCheck = Date()
        while true {
            Thread.sleep(forTimeInterval: interval)
            let now = Date()
            lock.lock()
            lastKick = Self.discountingSuspension(lastKick: lastKick, previousCheck: previousCheck, now: now, interval: interval)
            previousCheck = now
            let idle = now.timeIntervalSince(lastKick)
            let done = stopped
            lock.unlock()
            if done { return }
            if idle > timeout {
                let message = "error: rank \(rank): watchdog: no \(what) completed in \(Int(idle)) s "
                    + "(limit \(Int(timeout)) s); another rank is probably lost (network partition or a killed "
                    + "process). Ending the job; resume from the newest checkpoint with --resume.\n"
                FileHandle.standardError.write(Data(message.utf8))
                if let daemon = Self.parentDaemon() { kill(daemon, SIGKILL) }
                _exit(3)
            }
        }
    }
}
