import CKernels

/// The instruction set of the C vector kernels (CKernels: top-k selection's row passes, its
/// prefilter and its count of a few candidates, and axpy). One
/// binary carries a portable body and an AVX-512 body of each and takes the best the CPU runs;
/// both compute the same floats in the same order, so the choice never changes a result.
public enum VectorKernels: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case portable = 0   // HSAE_ISA_PORTABLE
    case avx512 = 1     // HSAE_ISA_AVX512

    /// The best body this CPU runs.
    public static var best: VectorKernels { VectorKernels(rawValue: hsae_isa_best()) ?? .portable }
    /// The body used unless `select` chooses another: the best, or the portable one when the
    /// environment has HSAE_VECTOR_KERNELS=portable (scripts/test-kernels: a CPU without AVX-512).
    public static var initial: VectorKernels { VectorKernels(rawValue: hsae_isa_initial()) ?? .portable }
    /// The body in use.
    public static var active: VectorKernels { VectorKernels(rawValue: hsae_isa_active()) ?? .portable }
    /// The bodies this CPU runs (portable first).
    public static var available: [VectorKernels] { allCases.filter { $0.rawValue <= best.rawValue } }

    /// Uses `isa` (nil: the initial one) and returns the one now in use — `isa` itself when the CPU runs it.
    /// For tests and benchmarks; not to be called while kernels run on other threads.
    @discardableResult
    public static func select(_ isa: VectorKernels?) -> VectorKernels {
        VectorKernels(rawValue: hsae_isa_select(isa?.rawValue ?? -1)) ?? .portable
    }

    public var description: String { self == .avx512 ? "AVX-512" : "portable" }
}
