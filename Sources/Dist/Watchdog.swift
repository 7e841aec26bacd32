import Foundation

/// Ends a job whose step takes far longer than it should (a rank lost to a network
/// partition leaves the others blocked inside a collective, which MPI never times out). One
/// rank has no peer to lose: the trainer arms it only on several (`isNeeded`).
///
/// The owner calls `kick()` after each completed step. A background thread wakes every
/// `interval` and counts its wake-ups since the last kick (`WatchdogClock`): the clock is time
/// the process ran, not wall time. A process stopped by SIGSTOP or Ctrl-Z (or a machine asleep)
/// wakes once when it continues, however long the pause, so a pause never counts as a hang; a
/// process starved of CPU only wakes later, which delays the watchdog and never fires it early.
/// When the count reaches `timeout` it writes one message to stderr and terminates the process
/// with `_exit`, which makes `mpirun` end the other ranks. It never calls MPI itself (MPI runs
/// in FUNNELED mode: only the main thread may).
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
    private var clock: WatchdogClock
    private var stopped = false
    private var thread: Thread?

    /// Whether a job of `ranks` ranks needs one: only several ranks can lose one of theirs.
    public static func isNeeded(ranks: Int) -> Bool { ranks > 1 }

    public init(timeout: TimeInterval, rank: Int, what: String = "training step") {
        precondition(timeout > 0, "watchdog timeout must be > 0, got \(timeout)")
        self.timeout = timeout
        self.rank = rank
        self.what = what
        clock = WatchdogClock(interval: min(1, timeout / 4))
    }

    public func start() {
        let thread = Thread { [weak self] in self?.run() }
        thread.name = "hsae-watchdog"
        self.thread = thread
        thread.start()
    }

    public func kick() {
        lock.lock(); clock.kick(); lock.unlock()
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

    /// The line written when the watchdog fires: what it measured and what it concludes.
    public static func message(rank: Int, what: String, idle: TimeInterval, timeout: TimeInterval) -> String {
        "error: rank \(rank): watchdog: no \(what) completed in \(Int(idle)) s of running time (limit \(Int(timeout)) s; "
            + "time the process was stopped, e.g. by Ctrl-Z, is not counted): this rank waited for the other ranks that long, "
            + "so one is probably lost (network partition or a killed process). Ending the job; resume from the newest "
            + "checkpoint with --resume.\n"
    }

    private func run() {
        while true {
            Thread.sleep(forTimeInterval: clock.interval)
            lock.lock()
            clock.check()
            let idle = clock.idle
            let done = stopped
            lock.unlock()
            if done { return }
            if idle > timeout {
                FileHandle.standardError.write(Data(Self.message(rank: rank, what: what, idle: idle, timeout: timeout).utf8))
                if let daemon = Self.parentDaemon() { kill(daemon, SIGKILL) }
                _exit(3)
            }
        }
    }
}

/// The watchdog's clock as a value: running time since the last kick, counted in checks one
/// `interval` apart. A check stands for one interval however late it came, so time the process
/// did not run (stopped, asleep, starved) adds at most one interval.
public struct WatchdogClock: Sendable {
    public let interval: TimeInterval
    public private(set) var checksSinceKick = 0

    public init(interval: TimeInterval) { self.interval = interval }

    /// Running time since the last kick, as the checks measured it.
    public var idle: TimeInterval { Double(checksSinceKick) * interval }

    /// One check (the watchdog thread woke up).
    public mutating func check() { checksSinceKick += 1 }

    /// A step completed.
    public mutating func kick() { checksSinceKick = 0 }
}
