import ArgumentParser
import Dist
import Foundation
import HSAE

struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Write a static feature browser: every latent with its top examples, every top latent with its children.",
        discussion: """
            One pass over the rows (the run's held-out evaluation split by default, or every row of --data), data-parallel under mpirun: each rank scans a share of fixed chunks, per-latent top-K examples, a random sample, fixed-bin histograms and integer sums are merged with collectives, so the site is byte-identical for any rank count. Memory does not grow with the row count. The site (index.html, top/J.html, bottom/I.html) opens from disk: no server, no network. docs/EVALUATION.md ("Feature browser") describes every number.

            Examples:
              hsae features --run runs/a --out runs/a/site
              scripts/mpirun -np 2 .build/release/hsae features \\
                  --run runs/a --out runs/a/site --examples 20
            """)

    @Option(name: .customLong("run"), help: "The HSAE: a run directory (final model, else newest checkpoint) or a model.safetensors file.")
    var runPath: String
    @Option(help: "Scan every row of this data set instead of the run's evaluation split (given the run's own data set, its evaluation split; see --all-rows).")
    var data: String?
    @Flag(help: "Scan every row of the data set, training rows included, not only the held-out evaluation split.")
    var allRows = false
    @Option(help: "Site directory (index.html, top/, bottom/): new or empty, or an earlier site (with --force). Default RUN/site, which hsae eval's report links to.")
    var out: String?
    @Option(parsing: .unconditional, help: "Top activating examples kept per latent.")
    var examples = 20
    @Option(parsing: .unconditional, help: "Random examples sampled per latent, shown from the lower activation quantiles.")
    var samples = 24
    @Option(parsing: .unconditional, help: "Tokens of context on each side of an example, harvested data.")
    var context = 8
    @Option(parsing: .unconditional, help: "Rows per forward chunk. The site depends on it; the rank count does not.")
    var chunkRows = 1024
    @Flag(help: "Replace an earlier hsae features site in --out (only the entries its .hsae-output.json lists; anything else is refused).")
    var force = false

    func validate() throws {
        guard examples >= 1 else { throw ValidationError("--examples must be >= 1, got \(examples)") }
        guard samples >= 1 else { throw ValidationError("--samples must be >= 1, got \(samples)") }
        guard (0...64).contains(context) else { throw ValidationError("--context must be in 0...64, got \(context)") }
        guard chunkRows >= 1 else { throw ValidationError("--chunk-rows must be >= 1, got \(chunkRows)") }
        var isDir: ObjCBool = false
        if let out, FileManager.default.fileExists(atPath: out, isDirectory: &isDir), !isDir.boolValue {
            throw ValidationError("--out: '\(out)' is a file; give a directory for the site")
        }
    }

    func run() throws {
        let run = Run(runPath)
        let out = self.out ?? (run.isDirectory ? run.site : "site")
        Session.run { comm, log in
            // One BLAS thread per rank: each chunk's codes must not depend on the thread count.
            BLASRuntime.configure(ranksOnNode: BLASRuntime.ranksOnNode(), exact: true)
            let output = try comm.onEveryRank {
                try OutputDirectory(out, command: .features, intent: force ? .replace : .create,
                                    inputs: [.init("--run", runPath, isRun: true)] + (data.map { [.init("--data", $0)] } ?? []))
            }
            try comm.onRoot { try output.prepare() }  // marks the directory before the scan writes into it
            let inputs = try EvalInputs(opening: run, log: log, dataPath: data, allRows: allRows)
            var options = FeatureScanner.Options()
            options.examples = examples
            options.samples = samples
            options.contextRadius = context
            options.chunkRows = chunkRows
            let summary = try FeatureBrowser.build(inputs, options: options, out: out, comm: comm, log: log)
            if let summary {
                log.info("wrote \(out)/\(FeatureSite.indexName) and \(summary.pages) latent pages (\(summary.counts)) "
                         + "from \(summary.rows) rows; open \(out)/\(FeatureSite.indexName) in a browser")
                if let agreement = summary.agreement { log.info("tree vs truth: " + agreement.sentence) }
            }
        }
    }
}
