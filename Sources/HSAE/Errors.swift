/// Errors a user can act on. Each names the file (or option), the value found and what was
/// expected; library code throws these, and `hsae` prints them once, on rank 0.
public enum HSAEError: Error, CustomStringConvertible, Equatable {
    /// Bad input data or a bad file: `path: problem`.
    case badInput(path: String, message: String)
    /// A configuration value out of range or inconsistent: `option: problem`.
    case badConfig(option: String, message: String)
    /// The environment failed (disk full, permissions): `path: problem (hint)`.
    case io(path: String, message: String)

    public var description: String {
        switch self {
        case let .badInput(path, message): return "\(path): \(message)"
        case let .badConfig(option, message): return "\(option): \(message)"
        case let .io(path, message): return "\(path): \(message)"
        }
    }
}
