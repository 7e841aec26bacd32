import Dist
import Foundation

/// `hsae features` end to end: scan (every rank), catalog and site (rank 0).
public enum FeatureBrowser {
    /// What was written, for the command's summary (rank 0).
    public struct Summary: Sendable {
        public let rows: Int64
        /// Latent pages per layer, top first: (layer name, latents).
        public let layers: [(name: String, latents: Int)]
        /// Per edge: (child layer name, its latents no parent claims).
        public let unclaimed: [(layer: String, latents: Int)]
        public let contextNote: String?
        /// Synthetic data: the tree against the true hierarchy.
        public let agreement: HierarchyAgreement?

        public var pages: Int { layers.reduce(0) { $0 + $1.latents } }
        /// "8 top, 32 bottom, 0 bottom unclaimed".
        public var counts: String {
            (layers.map { "\($0.latents) \($0.name)" } + unclaimed.map { "\($0.latents) \($0.layer) unclaimed" }).joined(separator: ", ")
        }
    }

    public static func build(_ inputs: EvalInputs, options: FeatureScanner.Options, out: String, comm: Communicator,
                             log: Logger) throws -> Summary? {
        let context = RowContext(data: inputs.data)
        let note = inputs.truth == nil ? RowContext.unavailableReason(inputs.data) : nil
        if let note { log.warning(note) }
        let radius = context == nil ? 0 : options.contextRadius
        let scan = try FeatureScanner.scan(inputs, contextRadius: radius, options: options, comm: comm, log: log)
        // Rank 0 builds and writes; the others wait in the agreement, so a write failure stops
        // every rank with one message.
        var summary: Summary?
        try comm.agreeing {
            guard comm.isRoot else { return }
            summary = try writeSite(scan, inputs: inputs, out: out, context: context, note: note)
        }
        return summary
    }

    static func writeSite(_ scan: FeatureScan, inputs: EvalInputs, out: String, context: RowContext?,
                          note: String?) throws -> Summary {
        let kinds = scan.labelKinds.map { inputs.data.labelKinds[$0] }
        let catalog = FeatureCatalog(scan: scan, model: inputs.model, labelNames: kinds.map(\.name),
                                     classNames: kinds.map { $0.classes! })
        var facts: [(String, String)] = [
            ("run", inputs.run.path),
            ("data", "\(inputs.data.path) (\(inputs.rowsSource): rows \(inputs.rows.lowerBound)..<\(inputs.rows.upperBound), \(inputs.rows.count) rows)"),
            ("layers", catalog.layers.map { "\($0.name) \(catalog.latents[$0.index].count) latents" }.joined(separator: ", ")),
        ]
        for edge in catalog.edges {
            guard let weights = edge.weightsName else { continue }
            facts.append(("children", "\(catalog.layers[edge.child].name) latents whose \(weights) weight is ≥ \(FeatureCatalog.childThreshold) × the row's peak"))
        }
        if let note { facts.append(("contexts", note)) }
        let agreement = inputs.truth.map { HierarchyAgreement(catalog, truth: $0) }
        if let agreement {
            facts.append(("ground truth", "synthetic data: each latent's best-correlated true feature (Pearson ρ of activation against magnitude)"))
            facts.append(("tree vs truth", agreement.sentence))
        }
        try FeatureSite.write(catalog, to: out, data: inputs.data, truth: inputs.truth, context: context, facts: facts)
        return Summary(rows: scan.rows, layers: catalog.displayLayers.map { ($0.name, catalog.latents[$0.index].count) },
                       unclaimed: catalog.edges.indices.map { (catalog.layers[catalog.edges[$0].child].name, catalog.unclaimed[$0].count) },
                       contextNote: note, agreement: agreement)
    }
}
