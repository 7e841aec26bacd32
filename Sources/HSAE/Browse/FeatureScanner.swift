import Dist
import Foundation

/// `hsae features`' one pass over the rows (issue 12): every rank scans its share, then one
/// reduction (`FeatureScan.reduce`) gives rank 0 the global scan.
///
/// Rows are cut into fixed chunks of `chunkRows` from the first evaluation row, the same for any
/// rank count, and rank r of W takes chunks [n·r/W, n·(r+1)/W): eval's pass (`RowStream`), with
/// chunks for its batches. A chunk is computed with up to w extra rows on each side (the context
/// of its first and last rows), so each row's code is computed in the same batch, bit for bit,
/// whatever W is.
public enum FeatureScanner {
    public struct Options: Sendable {
        public var chunkRows = 1024
        public var examples = 20
        public var samples = 24
        /// Rows of context on each side of an example (harvested data; 0 for synthetic rows,
        /// which have no neighbours).
        public var contextRadius = 8
        public init() {}
    }

    /// Scans on every rank; returns the global scan on rank 0 (the rank's own partial elsewhere).
    public static func scan(_ inputs: EvalInputs, contextRadius w: Int, options: Options, comm: Communicator,
                            log: Logger) throws -> FeatureScan {
        let model = inputs.model, data = inputs.data
        let architecture = model.config.architecture
        let kinds = data.labelKinds.indices.filter { k in
            let classes = data.labelKinds[k].classes
            return classes != nil && classes!.count <= FeatureScan.maxClasses
        }
        let scan = FeatureScan(latents: architecture.layers.map(\.latents), edges: architecture.edges.map { ($0.parent, $0.child) },
                               examples: options.examples, samples: options.samples, contextRadius: w,
                               labelKinds: kinds, classCounts: kinds.map { data.labelKinds[$0].classes!.count },
                               trueFeatures: inputs.truth?.layout.featureCount ?? 0)
        let rows = inputs.rows
        let chunks = inputs.batchCount(batchRows: options.chunkRows)
        let stream = RowStream(inputs, batchRows: options.chunkRows, context: w, rank: comm.rank, size: comm.size)
        var workspace: Workspace<Float>?
        var readSinceDrop = 0
        let clock = Date()
        try stream.forEach(comm: comm) { batch in
            let computed = batch.computed, scanned = batch.scanned
            if workspace?.b != computed.count { workspace = Workspace(config: model.config, rows: computed.count) }
            let ws = workspace!
            let c = model.inputScale
            batch.raw.storage.withUnsafeBufferPointer { src in
                for i in 0..<src.count { ws.x.base[i] = c * src[i] }
            }
            model.forward(ws, ForwardOptions(path: architecture.path("full")))
            let list = Array(scanned)
            let classes = kinds.map { data.labels(kind: $0, rows: list) }
            let codes = architecture.layers.map { UnsafePointer(model.denseCode(layer: $0.index, in: ws).base) }
            scan.add(codes: codes, computed: computed, scanned: scanned,
                     classes: classes, truth: inputs.truth?.firing(rows: list))
            // Rows are read by position (nothing mapped), but labels are read through the label
            // files' maps: unmap those pages every 256 MiB of rows scanned, so the resident set
            // does not grow with the rows scanned (they are page cache, but count as RSS).
            readSinceDrop += computed.count * data.d * MemoryLayout<Float>.size
            if readSinceDrop >= 256 << 20 {
                data.dropResidentPages()
                readSinceDrop = 0
            }
            log.progress("features: \(batch.index + 1)/\(stream.batches.count) chunks of this rank")
        }
        let memory = ProcessMemory.summary  // before the gathers: what the pass itself holds on this rank
        try scan.reduce(over: comm)
        log.info(String(format: "features: pass over %d rows (%d chunks of %d) on %d rank(s) in %.1f s",
                        rows.count, chunks, options.chunkRows, comm.size, Date().timeIntervalSince(clock))
                 + (memory.isEmpty ? "" : "; rank 0 " + memory))
        return scan
    }
}
