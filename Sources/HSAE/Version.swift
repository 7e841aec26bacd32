/// Versions of the program and of the formats it writes.
public enum HSAEVersion {
    public static let string = "0.1.0"
    /// Bumped whenever the checkpoint layout changes; older checkpoints are refused with a message.
    public static let checkpointFormat = 1
    /// Bumped whenever report.json's schema changes.
    public static let reportSchema = 1
}
