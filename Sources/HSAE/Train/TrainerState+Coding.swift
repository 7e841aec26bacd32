import Foundation

/// state.json's keys: the fields' names, except the per-layer λs, which keep a key per layer,
/// `lambda<k>` for layer k − 1 (`ModelLayer.lambdaKey`). A two-layer model's file is byte for byte
/// the one written when TrainerState had a field per λ. A single-layer model now writes one λ and
/// one controller; its files written before carry a second λ and a second controller, unused,
/// which decode and are dropped by `keepLayers` on load (Checkpoint.load).
extension TrainerState {
    private typealias Key = JSONKey
    /// The keys of the fields stored under their names.
    private enum Field {
        static let formatVersion = Key("formatVersion"), phaseIndex = Key("phaseIndex"), stepInPhase = Key("stepInPhase")
        static let globalStep = Key("globalStep"), controllers = Key("controllers"), adamStep = Key("adamStep")
        static let exponents = Key("exponents"), dataVariance = Key("dataVariance"), config = Key("config")
        static let dataset = Key("dataset"), datasetTensor = Key("datasetTensor"), datasetRows = Key("datasetRows")
        static let d = Key("d"), ranks = Key("ranks"), checksums = Key("checksums"), dataFingerprint = Key("dataFingerprint")
        static let stateChecksum = Key("stateChecksum")
    }

    /// λs are read from `lambda1`, `lambda<k>`, … up to the first missing key (`validate` checks
    /// there is one per layer).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        formatVersion = try c.decode(Int.self, forKey: Field.formatVersion)
        phaseIndex = try c.decode(Int.self, forKey: Field.phaseIndex)
        stepInPhase = try c.decode(Int.self, forKey: Field.stepInPhase)
        globalStep = try c.decode(Int.self, forKey: Field.globalStep)
        var lambdas: [Double] = []
        while let lambda = try c.decodeIfPresent(Double.self, forKey: Key(ModelLayer.lambdaKey(lambdas.count))) { lambdas.append(lambda) }
        self.lambdas = lambdas
        controllers = try c.decodeIfPresent([SparsityController].self, forKey: Field.controllers)
        adamStep = try c.decode(Int.self, forKey: Field.adamStep)
        exponents = try c.decodeIfPresent([Int].self, forKey: Field.exponents)
        dataVariance = try c.decode(Double.self, forKey: Field.dataVariance)
        config = try c.decode(TrainConfig.self, forKey: Field.config)
        dataset = try c.decode(String.self, forKey: Field.dataset)
        datasetTensor = try c.decodeIfPresent(String.self, forKey: Field.datasetTensor)
        datasetRows = try c.decode(Int.self, forKey: Field.datasetRows)
        d = try c.decode(Int.self, forKey: Field.d)
        ranks = try c.decode(Int.self, forKey: Field.ranks)
        checksums = try c.decode([String: String].self, forKey: Field.checksums)
        dataFingerprint = try c.decodeIfPresent(DataFingerprint.self, forKey: Field.dataFingerprint)
        stateChecksum = try c.decodeIfPresent(String.self, forKey: Field.stateChecksum)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(formatVersion, forKey: Field.formatVersion)
        try c.encode(phaseIndex, forKey: Field.phaseIndex)
        try c.encode(stepInPhase, forKey: Field.stepInPhase)
        try c.encode(globalStep, forKey: Field.globalStep)
        for (i, lambda) in lambdas.enumerated() { try c.encode(lambda, forKey: Key(ModelLayer.lambdaKey(i))) }
        try c.encodeIfPresent(controllers, forKey: Field.controllers)
        try c.encode(adamStep, forKey: Field.adamStep)
        try c.encodeIfPresent(exponents, forKey: Field.exponents)
        try c.encode(dataVariance, forKey: Field.dataVariance)
        try c.encode(config, forKey: Field.config)
        try c.encode(dataset, forKey: Field.dataset)
        try c.encodeIfPresent(datasetTensor, forKey: Field.datasetTensor)
        try c.encode(datasetRows, forKey: Field.datasetRows)
        try c.encode(d, forKey: Field.d)
        try c.encode(ranks, forKey: Field.ranks)
        try c.encode(checksums, forKey: Field.checksums)
        try c.encodeIfPresent(dataFingerprint, forKey: Field.dataFingerprint)
        try c.encodeIfPresent(stateChecksum, forKey: Field.stateChecksum)
    }

    /// Drops λs and controllers beyond the model's `layers` (the unused second slot that files of
    /// single-layer models written before the per-layer form carry).
    mutating func keepLayers(_ layers: Int) {
        if lambdas.count > layers { lambdas = Array(lambdas.prefix(layers)) }
        if let c = controllers, c.count > layers { controllers = Array(c.prefix(layers)) }
    }
}
