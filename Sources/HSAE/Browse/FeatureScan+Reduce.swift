import Dist

extension FeatureScan {
    /// Combines every rank's scan: one allreduce of every integer sum (Int64), one of the
    /// co-firing counts of every edge (Int32), and four gathers per example set at rank 0, which
    /// merges them (every layer's top examples, then every layer's samples). Every rank issues the
    /// same collectives in the same order; after it, rank 0 holds the global scan (other ranks hold
    /// the summed integers and their own example sets).
    ///
    /// Integer sums are associative and the example sets are ordered by (value, row) or
    /// (hash, row), so the result is the same for any rank count.
    func reduce(over comm: Communicator) throws {
        var parts: [[Int64]] = [[rows]] + stats.flatMap(\.parts) + classRows + [truthSum, truthSumSquares, truthCross]
        var flat = parts.flatMap { $0 }
        try comm.allreduce(&flat)
        var offset = 0
        for k in parts.indices {
            parts[k] = Array(flat[offset ..< offset + parts[k].count])
            offset += parts[k].count
        }
        rows = parts[0][0]
        var next = 1
        for l in stats.indices {
            let n = stats[l].parts.count
            stats[l].replaceParts(Array(parts[next ..< next + n]))
            next += n
        }
        let nc = classRows.count
        classRows = Array(parts[next ..< next + nc])
        truthSum = parts[next + nc]
        truthSumSquares = parts[next + nc + 1]
        truthCross = parts[next + nc + 2]
        var counts = coFirings.flatMap(\.counts)
        if !counts.isEmpty { try comm.allreduce(&counts) }  // every rank's model has the same edges
        offset = 0
        for e in coFirings.indices {
            let n = coFirings[e].counts.count
            coFirings[e].counts = Array(counts[offset ..< offset + n])
            offset += n
        }

        for l in best.indices { best[l] = try Self.gathered(best[l], comm) }
        for l in samples.indices { samples[l] = try Self.gathered(samples[l], comm) }
    }

    /// The merged example set on rank 0; the rank's own elsewhere.
    static func gathered(_ slots: ExampleSlots, _ comm: Communicator) throws -> ExampleSlots {
        guard comm.size > 1 else { return slots }
        // Pack each latent's kept examples at the front, so a gathered part reads like a fresh one.
        var rows: [Int64] = [], values: [Float] = [], keys: [Int64] = [], context: [Float] = []
        let (m, K, c) = (slots.latents, slots.capacity, slots.contextWidth)
        for j in 0..<m {
            let kept = slots.examples(latent: j)
            for e in kept {
                rows.append(Int64(e.row)); values.append(e.value); keys.append(e.key); context += e.context
            }
            for _ in kept.count ..< K {
                rows.append(-1); values.append(0); keys.append(0); context += [Float](repeating: .nan, count: c)
            }
        }
        let allRows = try comm.gather(rows), allValues = try comm.gather(values)
        let allKeys = try comm.gather(keys), allContext = try comm.gather(context)
        guard comm.isRoot else { return slots }
        let parts = (0..<comm.size).map {
            ExampleSlots(policy: slots.policy, latents: m, capacity: K, contextWidth: c,
                         rows: allRows[$0], values: allValues[$0], keys: allKeys[$0], context: allContext[$0])
        }
        return ExampleSlots.merged(parts)
    }
}
