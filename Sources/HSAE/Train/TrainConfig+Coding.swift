/// TrainConfig's JSON: the model options' keys (ModelOptions) and its own, in one object, as the
/// synthesized coding of one flat struct wrote them (config.json and state.json keep their bytes:
/// the keys are sorted, optionals absent when nil).
extension TrainConfig {
    private enum Keys: String, CodingKey {
        case weights, controllerGain, controllerAntiWindup, phase3BiasControl, ghostGrads, disabledTerms
        case batch, microbatch, lr, phase3LRFactor, warmup, decay, clipNorm, phaseSteps, phased
        case seed, reduction, evalFraction, skipNonfinite, scaleSampleRows
        case checkpointEvery, logEvery, deadWindowTokens, watchdogSeconds, keepCheckpoints
    }

    public init(from decoder: Decoder) throws {
        self.init()
        model = try ModelOptions(from: decoder)
        let c = try decoder.container(keyedBy: Keys.self)
        weights = try c.decode(LossWeights.self, forKey: .weights)
        controllerGain = try c.decode(Double.self, forKey: .controllerGain)
        controllerAntiWindup = try c.decodeIfPresent(Bool.self, forKey: .controllerAntiWindup)
        phase3BiasControl = try c.decodeIfPresent(Double.self, forKey: .phase3BiasControl)
        ghostGrads = try c.decodeIfPresent(Bool.self, forKey: .ghostGrads)
        disabledTerms = try c.decode([String].self, forKey: .disabledTerms)
        batch = try c.decode(Int.self, forKey: .batch)
        microbatch = try c.decode(Int.self, forKey: .microbatch)
        lr = try c.decode(Double.self, forKey: .lr)
        phase3LRFactor = try c.decode(Double.self, forKey: .phase3LRFactor)
        warmup = try c.decode(Double.self, forKey: .warmup)
        decay = try c.decode(Double.self, forKey: .decay)
        clipNorm = try c.decode(Double.self, forKey: .clipNorm)
        phaseSteps = try c.decode([Int].self, forKey: .phaseSteps)
        phased = try c.decode(Bool.self, forKey: .phased)
        seed = try c.decode(UInt64.self, forKey: .seed)
        reduction = try c.decode(ReductionMode.self, forKey: .reduction)
        evalFraction = try c.decode(Double.self, forKey: .evalFraction)
        skipNonfinite = try c.decode(Bool.self, forKey: .skipNonfinite)
        scaleSampleRows = try c.decode(Int.self, forKey: .scaleSampleRows)
        checkpointEvery = try c.decode(Int.self, forKey: .checkpointEvery)
        logEvery = try c.decode(Int.self, forKey: .logEvery)
        deadWindowTokens = try c.decode(Int.self, forKey: .deadWindowTokens)
        watchdogSeconds = try c.decode(Double.self, forKey: .watchdogSeconds)
        keepCheckpoints = try c.decodeIfPresent(Int.self, forKey: .keepCheckpoints)
    }

    public func encode(to encoder: Encoder) throws {
        try model.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(weights, forKey: .weights)
        try c.encode(controllerGain, forKey: .controllerGain)
        try c.encodeIfPresent(controllerAntiWindup, forKey: .controllerAntiWindup)
        try c.encodeIfPresent(phase3BiasControl, forKey: .phase3BiasControl)
        try c.encodeIfPresent(ghostGrads, forKey: .ghostGrads)
        try c.encode(disabledTerms, forKey: .disabledTerms)
        try c.encode(batch, forKey: .batch)
        try c.encode(microbatch, forKey: .microbatch)
        try c.encode(lr, forKey: .lr)
        try c.encode(phase3LRFactor, forKey: .phase3LRFactor)
        try c.encode(warmup, forKey: .warmup)
        try c.encode(decay, forKey: .decay)
        try c.encode(clipNorm, forKey: .clipNorm)
        try c.encode(phaseSteps, forKey: .phaseSteps)
        try c.encode(phased, forKey: .phased)
        try c.encode(seed, forKey: .seed)
        try c.encode(reduction, forKey: .reduction)
        try c.encode(evalFraction, forKey: .evalFraction)
        try c.encode(skipNonfinite, forKey: .skipNonfinite)
        try c.encode(scaleSampleRows, forKey: .scaleSampleRows)
        try c.encode(checkpointEvery, forKey: .checkpointEvery)
        try c.encode(logEvery, forKey: .logEvery)
        try c.encode(deadWindowTokens, forKey: .deadWindowTokens)
        try c.encode(watchdogSeconds, forKey: .watchdogSeconds)
        try c.encodeIfPresent(keepCheckpoints, forKey: .keepCheckpoints)
    }
}
