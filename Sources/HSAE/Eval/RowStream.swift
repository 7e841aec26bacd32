import Dist

/// One pass over the evaluation rows, the one shared by `hsae eval` (EvalDriver) and the feature
/// browser (FeatureScanner): this rank's batches of the grid `EvalInputs.batches` cuts, each read
/// with up to `context` neighbouring rows on each side (within the rows: the browser's example
/// contexts; eval reads none), in order, inside one agreement, so that a read that fails on one
/// rank stops every rank with one message naming it.
public struct RowStream {
    /// One batch of the pass.
    public struct Batch {
        /// Its place among this rank's batches (0-based).
        public let index: Int
        /// The rows it scores.
        public let scanned: Range<Int>
        /// The rows read: `scanned` and the context rows on each side.
        public let computed: Range<Int>
        /// The rows of `computed` as the data set holds them (unscaled).
        public let raw: Matrix<Float>
    }

    public let inputs: EvalInputs
    /// This rank's batches, in order.
    public let batches: [Range<Int>]
    /// Rows read on each side of a batch.
    public let context: Int

    public init(_ inputs: EvalInputs, batchRows: Int, context: Int = 0, rank: Int, size: Int) {
        self.inputs = inputs
        batches = inputs.batches(rank: rank, size: size, batchRows: batchRows)
        self.context = context
    }

    /// The rows this rank scores.
    public var rows: Int { batches.reduce(0) { $0 + $1.count } }

    /// Reads each batch and hands it to `body`, in order, inside one agreement of `comm`.
    public func forEach(comm: Communicator, _ body: (Batch) throws -> Void) throws {
        let all = inputs.rows
        try comm.agreeing {
            for (index, scanned) in batches.enumerated() {
                let computed = max(all.lowerBound, scanned.lowerBound - context) ..< min(all.upperBound, scanned.upperBound + context)
                try body(Batch(index: index, scanned: scanned, computed: computed, raw: try inputs.data.read(rows: Array(computed))))
            }
        }
    }
}
