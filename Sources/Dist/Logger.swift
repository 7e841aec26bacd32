import Foundation

/// The one place output comes from. Only rank 0 writes; other ranks' calls are no-ops, so
/// library code may log unconditionally without flooding a cluster's terminal.
///
/// Results go to stdout, progress and diagnostics to stderr. On a terminal, `progress`
/// rewrites one live line; otherwise it prints a plain line at most every `plainInterval`.
public final class Logger: @unchecked Sendable {
    public let rank: Int
    public let isTerminal: Bool
    public var quiet = false
    public var plainInterval: TimeInterval = 10
    private var lastPlain: Date = .distantPast
    private var liveLineOpen = false
    private let lock = NSLock()

    public init(rank: Int, isTerminal: Bool = isatty(STDERR_FILENO) != 0) {
        self.rank = rank
        self.isTerminal = isTerminal
    }

    /// A line of results, on stdout.
    public func info(_ line: String) {
        guard rank == 0, !quiet else { return }
        write(line + "\n", to: .standardOutput)
    }

    /// A warning, on stderr.
    public func warning(_ line: String) {
        guard rank == 0 else { return }
        write("warning: " + line + "\n", to: .standardError)
    }

    /// An error, on stderr. Errors of other ranks arrive here through agreement.
    public func error(_ line: String) {
        guard rank == 0 else { return }
        write("error: " + line + "\n", to: .standardError)
    }

    /// A progress line: rewritten in place on a terminal, throttled plain lines otherwise.
    /// `force` prints a plain line regardless of the throttle (phase ends).
    public func progress(_ line: String, force: Bool = false) {
        guard rank == 0, !quiet else { return }
        if isTerminal {
            lock.lock(); liveLineOpen = true; lock.unlock()
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line + (force ? "\n" : "")).utf8))
            if force { lock.lock(); liveLineOpen = false; lock.unlock() }
        } else if force || Date().timeIntervalSince(lastPlain) >= plainInterval {
            lastPlain = Date()
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    private enum Stream { case standardOutput, standardError }

    private func write(_ text: String, to stream: Stream) {
        lock.lock()
        let prefix = liveLineOpen ? "\r\u{1B}[2K" : ""
        liveLineOpen = false
        lock.unlock()
        let handle: FileHandle = stream == .standardOutput ? .standardOutput : .standardError
        if !prefix.isEmpty { FileHandle.standardError.write(Data("\n".utf8)) }
        handle.write(Data(text.utf8))
    }
}
