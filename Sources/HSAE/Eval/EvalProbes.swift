import Dist
import Foundation

/// The probes of `hsae eval` (DESIGN §7.4) over ranks.
///
/// Probes need rows in memory, so they run on a subsample of at most `rows` evaluation rows,
/// chosen by global row index (evenly spaced over the evaluation rows), never per rank. Every
/// rank computes the codes of the whole subsample itself, in the same batches with one BLAS
/// thread, so all ranks hold identical features and no codes travel. The probe fits (label kind
/// × code × k, each with its shuffled-label control) are then shared out over the ranks by
/// estimated cost, and only their scores (a few hundred bytes each) are gathered to rank 0.
/// A fit gives the same numbers whichever rank runs it, so `-np N` equals one rank exactly.
public struct ProbeOptions: Sendable {
    /// Subsample size; 0 switches probing off.
    public var rows = 8192
    public var ks = [1, 2, 5, 10]
    /// L-BFGS iterations per fit (a fit that stops here reports `converged: false`).
    public var maxIterations = 500
    /// Label kinds without a class list other than doc_id (token_id): probe their `frequent`
    /// most frequent values among the probed rows (the rest count as missing); 0 skips them.
    public var frequent = 0
    public init() {}
}

enum EvalProbes {
    /// `count` global rows spread evenly over `range` (all of it when it is smaller).
    static func subsample(_ range: Range<Int>, count: Int) -> [Int] {
        guard count < range.count else { return Array(range) }
        return (0..<count).map { range.lowerBound + $0 * range.count / count }
    }

    /// The probed codes of `rows`: each layer's (Z1, Z2, …), all of them side by side (Z1+Z2)
    /// when the model has more than one, x (the scaled input) and the comparator's code; for a
    /// comparator with prefix paths (Matryoshka) also its first prefix and the rest
    /// (`ProbeSuite.matryoshkaLevels`).
    static func codes(rows: [Int], data: ActivationDataset, model: BatchRunner, comparator: BatchRunner?,
                      batchRows: Int) throws -> [(name: String, features: Matrix<Double>)] {
        let layers = model.model.config.layers
        var z = [[Matrix<Float>]](repeating: [], count: layers.count), x: [Matrix<Float>] = [], zb: [Matrix<Float>] = []
        for start in stride(from: 0, to: rows.count, by: batchRows) {
            let raw = try data.read(rows: Array(rows[start ..< min(rows.count, start + batchRows)]))
            let b = model.run(raw)
            for l in layers.indices { z[l].append(b.codes[l]) }
            x.append(b.x)
            if let comparator { zb.append(comparator.comparator(raw).codes[0]) }
        }
        func stacked(_ parts: [Matrix<Float>]) -> Matrix<Double> { Matrix.concatenatingRows(parts).converted(to: Double.self) }
        let own = z.map(stacked)
        var codes = zip(layers, own).map { ($0.codeName, $1) }
        if layers.count > 1 { codes.append((layers.map(\.codeName).joined(separator: "+"), Matrix.concatenatingColumns(own))) }
        codes.append(("x", stacked(x)))
        if let comparator {
            let code = stacked(zb)
            codes.append(("baseline", code))
            let prefix = comparator.model.config.architecture.paths.lazy.compactMap(\.prefix).first
            if let levels = ProbeSuite.matryoshkaLevels(code, prefix: prefix) {
                codes += [(ProbeSuite.prefixCode, levels.prefix), (ProbeSuite.restCode, levels.rest)]
            }
        }
        return codes.map { (name: $0.0, features: $0.1) }
    }

    /// The level index's codes for a model: its first edge's parent and child layers (the HSAE:
    /// Z2 and Z1).
    static func levelCodes(of architecture: any SAEArchitecture) -> (top: String, bottom: String) {
        guard let edge = architecture.edges.first else { return ("", "") }
        return (architecture.layers[edge.parent].codeName, architecture.layers[edge.child].codeName)
    }

    /// One fit: a label kind, a code, all features (k nil) or the k most separating.
    struct Task {
        let label: Int, code: Int, k: Int?
        let cost: Double
    }

    struct LabelKind {
        let name: String, level: String?, labels: [Int], classes: Int
    }

    /// Every probe result, complete on rank 0 (other ranks return []). Collective.
    /// - Parameter levels: the codes of the level index, acc(top) − acc(bottom): an edge's parent
    ///   and child layers (`levelCodes(of:)`).
    static func run(comm: Communicator, data: ActivationDataset, rows: [Int], codes: [(name: String, features: Matrix<Double>)],
                    levels: (top: String, bottom: String), options: ProbeOptions) throws -> [ProbeLabelResult] {
        let kinds = data.labelKinds.indices.compactMap { i -> LabelKind? in
            let kind = data.labelKinds[i]
            guard kind.name != "doc_id", kind.classes != nil || options.frequent > 0 else { return nil }
            var labels = data.labels(kind: i, rows: rows), name = kind.name
            if kind.classes == nil {
                labels = ProbeSuite.mostFrequent(labels, count: options.frequent)
                name += " (\(options.frequent) most frequent)"
            }
            return LabelKind(name: name, level: kind.level, labels: labels, classes: Set(labels.filter { $0 >= 0 }).count)
        }
        guard !kinds.isEmpty, !rows.isEmpty else { return [] }
        let split = data.labelKinds.firstIndex { $0.name == "doc_id" }
            .map { ProbeSplit.byDocument(docIDs: data.labels(kind: $0, rows: rows)) } ?? .byRows(count: rows.count)
        var tasks: [Task] = []
        for (l, kind) in kinds.enumerated() {
            for (c, code) in codes.enumerated() {
                let width = code.features.cols
                for k in [nil] + options.ks.filter({ $0 < width }).map(Optional.init) {
                    tasks.append(Task(label: l, code: c, k: k, cost: Double((k ?? width) * max(2, kind.classes) + width)))
                }
            }
        }
        var probe = Probe.Options()
        probe.ks = options.ks
        probe.optimizer.maxIterations = options.maxIterations
        let mine = share(tasks, ranks: comm.size)[comm.rank]
        let scores: [Int: ProbeScore] = try comm.agreeing {
            var out: [Int: ProbeScore] = [:]
            for t in mine {
                let task = tasks[t]
                out[t] = Probe.evaluate(code: codes[task.code].name, features: codes[task.code].features,
                                        labels: kinds[task.label].labels, split: split, k: task.k, options: probe)
            }
            return out
        }
        guard let all = try gather(scores, comm: comm) else { return [] }
        return kinds.enumerated().map { l, kind in
            let own = tasks.indices.filter { tasks[$0].label == l }.map { all[$0]! }
            return ProbeSuite.assemble(label: kind.name, level: kind.level, labels: kind.labels, split: split,
                                       scores: own, top: levels.top, bottom: levels.bottom, ks: options.ks)
        }
    }

    /// Longest-first onto the least-loaded rank: the same plan on every rank (ties by index).
    static func share(_ tasks: [Task], ranks: Int) -> [[Int]] {
        var plan = [[Int]](repeating: [], count: ranks), load = [Double](repeating: 0, count: ranks)
        let order = tasks.indices.sorted { tasks[$0].cost > tasks[$1].cost || (tasks[$0].cost == tasks[$1].cost && $0 < $1) }
        for t in order {
            let r = load.indices.min { load[$0] < load[$1] || (load[$0] == load[$1] && $0 < $1) }!
            plan[r].append(t)
            load[r] += tasks[t].cost
        }
        return plan
    }

    /// Every rank's scores at rank 0 (nil elsewhere), as JSON bytes: two small gathers (the
    /// lengths, then the bytes padded to the longest).
    static func gather(_ scores: [Int: ProbeScore], comm: Communicator) throws -> [Int: ProbeScore]? {
        let bytes = Array(try JSONFormat.encoder(.compact).encode(scores))
        let lengths = try comm.gather([Int64(bytes.count)])
        let longest = try comm.allreduce(Int64(bytes.count), op: .max)
        let parts = try comm.gather(bytes + [UInt8](repeating: 0, count: Int(longest) - bytes.count))
        guard comm.isRoot else { return nil }
        var all: [Int: ProbeScore] = [:]
        for (r, part) in parts.enumerated() {
            let decoded = try JSONFormat.decoder().decode([Int: ProbeScore].self, from: Data(part.prefix(Int(lengths[r][0]))))
            all.merge(decoded) { a, _ in a }
        }
        return all
    }
}
