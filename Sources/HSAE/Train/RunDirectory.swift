import Foundation

/// A run directory as `hsae train` lays it out (DESIGN §6), and the one place that knows it:
///
///     RUN/config.json           the resolved configuration (ResolvedRun)
///     RUN/metrics.jsonl         one line per logged step
///     RUN/model.safetensors     the final model (written when the last phase ends)
///     RUN/checkpoints/<phase>-<step>/   model, optimizer, state.json (Checkpoint)
///     RUN/checkpoints/latest    the newest checkpoint's name (informative only, see below)
///     RUN/.lock                 held by the live process (RunLock)
///
/// The commands that read a run open it as a `Run` (Run.swift), which reads these files through
/// this layout. Which checkpoint counts is decided here once, for resume, sweep, the commands
/// that load a run's model (`Run.loadModel`) and `hsae inspect`: the newest (highest global step, then phase) that loads and
/// verifies. `latest` is not trusted: it may be stale (a crash between the rename of a
/// checkpoint and the update of `latest`), and the directory names say the same thing.
public struct RunDirectory: Sendable {
    public static let configName = "config.json", metricsName = "metrics.jsonl", modelName = Checkpoint.model
    public static let checkpointsName = "checkpoints", latestName = "latest"

    public let path: String

    public init(_ path: String) { self.path = path }

    public var config: String { path + "/" + Self.configName }
    public var metrics: String { path + "/" + Self.metricsName }
    public var model: String { path + "/" + Self.modelName }
    public var checkpoints: String { path + "/" + Self.checkpointsName }
    public var latest: String { checkpoints + "/" + Self.latestName }
    public func checkpoint(_ name: String) -> String { checkpoints + "/" + name }

    /// Whether the last phase ended (RUN/model.safetensors exists).
    public var isFinished: Bool { FileManager.default.fileExists(atPath: model) }
    /// Whether a run was started here (RUN/checkpoints exists).
    public var hasCheckpoints: Bool { FileManager.default.fileExists(atPath: checkpoints) }

    /// The checkpoint directories by name, newest (highest global step, then phase) first;
    /// anything else in checkpoints/ (latest, temporaries) is left out.
    public func checkpointNames() -> [String] {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: checkpoints)) ?? []
        return all.compactMap { name in Checkpoint.parse(name).map { (name, $0) } }
            .sorted { ($0.1.step, $0.1.phase) > ($1.1.step, $1.1.phase) }
            .map(\.0)
    }

    /// A checkpoint passed over by the resolver, and why.
    public struct Skipped: Sendable, CustomStringConvertible {
        public let name: String
        public let reason: String
        public var description: String { "skipping checkpoint \(name): \(reason)" }
    }

    /// The newest checkpoint that loads and verifies (nil if there is none); every newer one that
    /// does not is passed to `skipped`, with the reason.
    public func newestValidCheckpoint(skipped: (Skipped) -> Void) -> Checkpoint.Loaded? {
        for name in checkpointNames() {
            do {
                return try Checkpoint.load(checkpoint(name))
            } catch {
                skipped(Skipped(name: name, reason: "\(error)"))
            }
        }
        return nil
    }
}
