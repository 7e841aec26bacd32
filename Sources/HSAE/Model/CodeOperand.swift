/// A layer's code Z (b × m) as the left operand of a product with a weight matrix, dense (the
/// b × m matrix, a BLAS GEMM) or as sparse rows (SparseKernels, over the code's entries only).
/// Which form is the kernels' choice (`KernelChoice.usesSparse`, from the code's density alone),
/// made once, where the operand is taken (`HierarchicalSAE.operand`); the term that multiplies
/// is written once, whatever the form (docs/MODEL-PROTOCOL.md §1.6, step 6).
enum CodeOperand<T: BLASScalar> {
    case dense(View<T>)
    case sparse(SparseCode<T>)

    /// out = Z W (W: m × n, out: b × n, overwritten).
    func product(_ w: View<T>, into out: View<T>) {
        switch self {
        case .dense(let z): Kernels.gemm(z, .none, w, .none, out)
        case .sparse(let code): SparseKernels.product(code, values: code.value, w, into: out)
        }
    }
}

extension HierarchicalSAE {
    /// The code `dense` (its sparse rows: `code`) as a product's operand, in the form the kernels choose.
    func operand(_ dense: View<T>, _ code: SparseCode<T>) -> CodeOperand<T> {
        kernels.usesSparse(code) ? .sparse(code) : .dense(dense)
    }
}
