import ArgumentParser
import Foundation
import HSAE

struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Generate synthetic hierarchical activations with known ground truth, as an ordinary data set.",
        discussion: """
            A tree of R roots (abstract features) with b children each (basic features), plus free \
            singletons, as unit directions in R^d (more features than d: superposition). Roots and \
            singletons fire with Zipf-like probabilities; a child fires only while its parent fires. \
            Geometry A: parents have their own direction and children add theirs. Geometry B: a \
            parent has no direction, it is only the OR of its children.

            Writes shard-NNNNN.npy (+ .labels.npy), truth/ (directions, tree, per-row firing) and \
            dataset.json, whose provenance records the true mean L0 per level. The directory \
            appears complete or not at all. Under mpirun only rank 0 writes. See docs/SYNTHETIC.md.

            Every knob below defaults to the preset's value:
            \(presetTable)

            Examples:
              hsae synth --preset tiny --out data/tiny
              hsae synth --geometry B --child-mode independent --out data/synth-b
              hsae synth --preset small --d 96 --seed 7 --dtype f16 --out data/s7 --force
            """)

    /// One line per preset, made from the presets themselves.
    static var presetTable: String {
        SyntheticConfig.Preset.allCases.map { p in
            let c = SyntheticConfig.preset(p)
            return "  \(p.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) d \(c.d), \(c.roots) × \(c.children) children, "
                + "\(c.singletons) singletons, \(c.rows) rows / \(c.shardCount) shards"
        }.joined(separator: "\n")
    }

    @Option(help: "Starting point for every knob: \(SyntheticConfig.Preset.allCases.map(\.rawValue).joined(separator: ", ")).")
    var preset: SyntheticConfig.Preset = .default

    @Option(help: "Output directory (created; must be empty or absent unless --force).")
    var out: String

    @Flag(help: "Replace a non-empty output directory.")
    var force = false

    @Option(parsing: .unconditional, help: "Width of the activations.") var d: Int?
    @Option(parsing: .unconditional, help: "Roots (abstract features), R.") var roots: Int?
    @Option(parsing: .unconditional, help: "Children per root, b.") var children: Int?
    @Option(parsing: .unconditional, help: "Free singletons (leaves without a parent), S.") var singletons: Int?
    @Option(parsing: .unconditional, help: "Rows (tokens) in total.") var rows: Int?
    @Option(parsing: .unconditional, help: "Rows per shard.") var shardRows: Int?
    @Option(help: "A: parents have their own direction; B: a parent is only the OR of its children.")
    var geometry: SyntheticConfig.Geometry?
    @Option(help: "exclusive: one child per firing parent; independent: each child with --child-probability.")
    var childMode: SyntheticConfig.ChildMode?
    @Option(parsing: .unconditional, help: "q, for independent children.") var childProbability: Double?
    @Option(parsing: .unconditional, help: "Firing probability of the most frequent root and singleton.") var probabilityMax: Double?
    @Option(parsing: .unconditional, help: "Firing probability of the rarest root and singleton.") var probabilityMin: Double?
    @Option(parsing: .unconditional, help: "μ of the folded normal |N(μ, σ²)| of magnitudes.") var magnitudeMean: Double?
    @Option(parsing: .unconditional, help: "σ of the folded normal of magnitudes.") var magnitudeStd: Double?
    @Option(parsing: .unconditional, help: "Standard deviation of the Gaussian noise on every coordinate.") var noise: Double?
    @Option(help: "Shard element type: \(SyntheticConfig.StorageType.allValueStrings.joined(separator: " or ")).") var dtype: SyntheticConfig.StorageType?
    @Option(parsing: .unconditional, help: "Seed; the same seed and knobs give byte-identical files.") var seed: UInt64?

    /// The preset with every given option applied.
    var config: SyntheticConfig {
        var c = SyntheticConfig.preset(preset)
        if let d { c.d = d }
        if let roots { c.roots = roots }
        if let children { c.children = children }
        if let singletons { c.singletons = singletons }
        if let rows { c.rows = rows }
        if let shardRows { c.shardRows = shardRows }
        if let geometry { c.geometry = geometry }
        if let childMode { c.childMode = childMode }
        if let childProbability { c.childProbability = childProbability }
        if let probabilityMax { c.probabilityMax = probabilityMax }
        if let probabilityMin { c.probabilityMin = probabilityMin }
        if let magnitudeMean { c.magnitudeMean = magnitudeMean }
        if let magnitudeStd { c.magnitudeStd = magnitudeStd }
        if let noise { c.noise = noise }
        if let dtype { c.dtype = dtype }
        if let seed { c.seed = seed }
        return c
    }

    func validate() throws {
        do {
            try config.validate()
        } catch let error as HSAEError {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let config = self.config
        Session.run { comm, log in
            // Rank 0 writes; the others wait, and every rank learns the outcome.
            let summary = try comm.onRoot {
                try SyntheticGenerator.generate(
                    config: config, to: out, force: force, provenance: ["preset": preset.rawValue],
                    progress: { done, total in log.progress("synth: shard \(done)/\(total)", force: done == total) })
            }
            if let summary { SynthReport.lines(summary, preset: preset).forEach(log.info) }
        }
    }
}

/// The lines `hsae synth` prints.
enum SynthReport {
    static func lines(_ s: SyntheticSummary, preset: SyntheticConfig.Preset) -> [String] {
        let c = s.config
        let l0 = s.trueL0
        func f(_ x: Double) -> String { String(format: "%.3f", x) }
        return [
            "synth: preset \(preset.rawValue), geometry \(c.geometry.rawValue), \(c.childMode.rawValue) children, seed \(c.seed)",
            "  \(c.roots) roots × \(c.children) children + \(c.singletons) singletons = \(s.features) true features, "
                + "\(s.directions) directions in d = \(c.d)",
            "  \(s.rows) rows in \(s.shards) shards (\(c.dtype.rawValue)), \(String(format: "%.1f", Double(s.bytes) / 1e6)) MB, "
                + "\(String(format: "%.2f", s.seconds)) s -> \(s.directory)",
            "  true mean L0 per row: parents \(f(l0.parents)), children \(f(l0.children)), singletons \(f(l0.singletons)), "
                + "leaves \(f(l0.leaves)), directions \(f(l0.directions))",
        ]
    }
}

extension SyntheticConfig.Preset: ExpressibleByArgument {}
extension SyntheticConfig.ChildMode: ExpressibleByArgument {}
extension SyntheticConfig.StorageType: ExpressibleByArgument {}
extension SyntheticConfig.Geometry: ExpressibleByArgument {
    /// `a`/`A`, `b`/`B`.
    public init?(argument: String) { self.init(rawValue: argument.uppercased()) }
}
