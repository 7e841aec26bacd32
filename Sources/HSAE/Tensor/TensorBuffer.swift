import Foundation

/// A fixed-size, zero-initialised buffer that owns its memory (llm.c's flat tensors):
/// parameters, gradients and optimizer moments each live in one of these, and named
/// `View`s into it stay valid for the buffer's lifetime. Never resized.
public final class TensorBuffer<T: BLASScalar>: @unchecked Sendable {
    public let count: Int
    public let base: UnsafeMutablePointer<T>
    private let fromCalloc: Bool

    public init(count: Int) {
        precondition(count >= 0, "buffer size must be >= 0, got \(count)")
        self.count = count
        base = .allocate(capacity: max(1, count))
        base.initialize(repeating: 0, count: max(1, count))
        fromCalloc = false
    }

    /// Zeros from the OS (calloc): a large buffer's pages are committed only when first written,
    /// so parts that are never used take no memory.
    public init(zeroedLazily count: Int) {
        precondition(count >= 0, "buffer size must be >= 0, got \(count)")
        self.count = count
        guard let raw = calloc(max(1, count), MemoryLayout<T>.stride) else {
            preconditionFailure("cannot allocate \(count) × \(MemoryLayout<T>.stride) bytes")
        }
        base = raw.bindMemory(to: T.self, capacity: max(1, count))
        fromCalloc = true
    }

    public convenience init(_ values: [T]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { base.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit {
        if fromCalloc { free(base) } else { base.deallocate() }
    }

    public var buffer: UnsafeMutableBufferPointer<T> { UnsafeMutableBufferPointer(start: base, count: count) }
    public var array: [T] { Array(buffer) }

    public subscript(i: Int) -> T {
        get { base[i] }
        set { base[i] = newValue }
    }

    public func zero() { base.update(repeating: 0, count: count) }

    public func copy(from other: TensorBuffer<T>) {
        precondition(other.count == count, "copy: \(other.count) elements into \(count)")
        base.update(from: other.base, count: count)
    }

    /// A rows × cols view starting at `offset`.
    public func view(offset: Int = 0, rows: Int, cols: Int) -> View<T> {
        precondition(offset >= 0 && offset + rows * cols <= count,
                     "view [\(offset), +\(rows)×\(cols)) outside buffer of \(count)")
        return View(base: base + offset, rows: rows, cols: cols)
    }
}

/// A row-major rows × cols window into a `TensorBuffer` (no ownership; valid while the
/// buffer lives). Vectors are 1 × n views.
public struct View<T: BLASScalar> {
    public let base: UnsafeMutablePointer<T>
    public let rows: Int
    public let cols: Int

    public var count: Int { rows * cols }

    public subscript(i: Int, j: Int) -> T {
        get { base[i * cols + j] }
        nonmutating set { base[i * cols + j] = newValue }
    }

    public subscript(i: Int) -> T {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }

    /// Row i (length cols).
    public func row(_ i: Int) -> UnsafeMutablePointer<T> { base + i * cols }

    /// Rows [start, start + n) as a view.
    public func rows(_ start: Int, _ n: Int) -> View<T> {
        precondition(start >= 0 && start + n <= rows, "rows [\(start), +\(n)) of \(rows)")
        return View(base: base + start * cols, rows: n, cols: cols)
    }

    public func zero() { base.update(repeating: 0, count: count) }
    public func fill(_ value: T) { base.update(repeating: value, count: count) }
    public func copy(from other: View<T>) {
        precondition(other.count == count, "copy: \(other.rows)×\(other.cols) into \(rows)×\(cols)")
        base.update(from: other.base, count: count)
    }

    public var array: [T] { Array(UnsafeBufferPointer(start: base, count: count)) }

    public func matrix() -> Matrix<T> { Matrix(rows: rows, cols: cols, storage: array) }
}
