/// The element types a collective can carry.
public enum ScalarKind: Sendable {
    case float32, float64, int32, int64, uint8
}

/// Reduction operators with Swift names. The corresponding C handles are `MPI_SUM`, `MPI_MAX`, `MPI_MIN`.
public enum ReductionOp: Sendable {
    case sum, max, min
}

/// A scalar that can travel through `Communicator` collectives.
public protocol CollectiveScalar: Comparable, Numeric {
    static var scalarKind: ScalarKind { get }
    /// Combines two values the way MPI would (integer sums wrap, as in C).
    static func reduce(_ a: Self, _ b: Self, _ op: ReductionOp) -> Self
}

extension CollectiveScalar where Self: FloatingPoint {
    public static func reduce(_ a: Self, _ b: Self, _ op: ReductionOp) -> Self {
        switch op {
        case .sum: return a + b
        case .max: return Swift.max(a, b)
        case .min: return Swift.min(a, b)
        }
    }
}

extension CollectiveScalar where Self: FixedWidthInteger {
    public static func reduce(_ a: Self, _ b: Self, _ op: ReductionOp) -> Self {
        switch op {
        case .sum: return a &+ b
        case .max: return Swift.max(a, b)
        case .min: return Swift.min(a, b)
        }
    }
}

extension Float: CollectiveScalar { public static var scalarKind: ScalarKind { .float32 } }
extension Double: CollectiveScalar { public static var scalarKind: ScalarKind { .float64 } }
extension Int32: CollectiveScalar { public static var scalarKind: ScalarKind { .int32 } }
extension Int64: CollectiveScalar { public static var scalarKind: ScalarKind { .int64 } }
extension UInt8: CollectiveScalar { public static var scalarKind: ScalarKind { .uint8 } }

/// What a communicator is built on. Internal: the public face is `Communicator`.
protocol CollectiveBackend: AnyObject {
    var rank: Int { get }
    var size: Int { get }
    func allreduce<T: CollectiveScalar>(_ buffer: UnsafeMutableBufferPointer<T>, op: ReductionOp) throws
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws
    func gather<T: CollectiveScalar>(_ send: UnsafeBufferPointer<T>, into receive: UnsafeMutableBufferPointer<T>, root: Int) throws
    func barrier() throws
    /// See `Communicator.nodeSharedSegments(bytesPerRank:)` (NodeShared.swift).
    func nodeSharedSegments(bytesPerRank: Int) throws -> Result<NodeSharedSegments, NodeSharingUnavailable>
    func abort(code: Int32) -> Never
    func finalize()
}
