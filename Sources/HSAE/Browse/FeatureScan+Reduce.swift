import Dist

extension FeatureScan {
    /// Combines every rank's scan: one allreduce of every integer sum (Int64), one of the
    /// co-firing counts (Int32), and four gathers per example set at rank 0, which merges them.
    /// Every rank issues the same collectives in the same order; after it, rank 0 holds the
    /// global scan (other ranks hold the summed integers and their own example sets).
    ///
    /// Integer sums are associative and the example sets are ordered by (value, row) or
    /// (hash, row), so the result is the same for any rank count.
    func reduce(over comm: Communicator) throws {
        var parts: [[Int64]] = [[rows]] + bottom.parts + top.parts + classRows + [truthSum, truthSumSquares, truthCross]
        var flat = parts.flatMap { $0 }
        try comm.allreduce(&flat)
        var offset = 0
        for k in parts.indices {
            parts[k] = Array(flat[offset ..< offset + parts[k].count])
            offset += parts[k].count
        }
        rows = parts[0][0]
        let n1 = bottom.parts.count, n2 = top.parts.count, nc = classRows.count
        bottom.replaceParts(Array(parts[1 ..< 1 + n1]))
        top.replaceParts(Array(parts[1 + n1 ..< 1 + n1 + n2]))
        classRows = Array(parts[1 + n1 + n2 ..< 1 + n1 + n2 + nc])
        truthSum = parts[1 + n1 + n2 + nc]
        truthSumSquares = parts[2 + n1 + n2 + nc]
        truthCross = parts[3 + n1 + n2 + nc]
        try comm.allreduce(&coFirings)

        bottomTop = try Self.gathered(bottomTop, comm)
        topTop = try Self.gathered(topTop, comm)
        bottomSample = try Self.gathered(bottomSample, comm)
        topSample = try Self.gathered(topSample, comm)
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
