/// Sizes computed from numbers read out of files. A hostile or damaged header can hold any
/// value (a shape of (2^62, 4), offsets past the end, a negative dimension), so every product
/// and sum taken from one goes through here: nil instead of an overflow trap, and the callers
/// turn nil into an error naming the file before anything is allocated from the size.
public enum CheckedSize {
    /// The number of elements of `shape`, or nil when a dimension is negative or the product overflows.
    public static func elements(_ shape: [Int]) -> Int? {
        var n = 1
        for dim in shape {
            guard dim >= 0 else { return nil }
            let (p, overflow) = n.multipliedReportingOverflow(by: dim)
            guard !overflow else { return nil }
            n = p
        }
        return n
    }

    /// The bytes of `shape` elements of `elementSize` bytes each, or nil (negative or overflow).
    public static func bytes(_ shape: [Int], elementSize: Int) -> Int? {
        guard let n = elements(shape) else { return nil }
        let (b, overflow) = n.multipliedReportingOverflow(by: elementSize)
        return overflow ? nil : b
    }

    /// a + b, or nil on overflow.
    public static func sum(_ a: Int, _ b: Int) -> Int? {
        let (s, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : s
    }
}
