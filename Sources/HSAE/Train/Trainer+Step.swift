import CKernels
import Dist
import Foundation

extension Trainer {
    /// The trainable parameter ranges of a phase (only those are reduced and updated): the tensors
    /// of the groups it trains that are trainable at all.
    func ranges(_ phase: TrainingPhase) -> [Range<Int>] {
        let layout = model.layout
        return layout.entries.filter { phase.trains.contains(group: $0.id.group) && layout.groups[$0.id.group].trainable }.map(\.range)
    }

    func weights() -> LossWeights {
        var w = config.weights
        for layer in model.architecture.layers { w[layer.l1Term] = state.lambdas[layer.index] }
        return w
    }

    /// One training step: forward → loss → backward on this rank's microbatches →
    /// one reduction → parameter-only terms → clip + Adam → constraints → λ, dead latents.
    func step(_ phase: TrainingPhase, reducer: GradientReducer) throws -> (StepStats, gradNorm: Double, lr: Double) {
        let terms = phase.terms.intersection(config.terms)
        let local = try computeMicrobatches(phase, terms: terms) { reducer.add(grads: $0, stats: $1) } onFailure: { reducer.markFailed() }
        var stats = try reducer.reduce(comm, into: reduced)
        if stats.failed > 0 {
            try comm.agree(local)
            throw HSAEError.io(path: run, message: "a rank reported a failure but none was agreed")  // unreachable
        }
        if stats.saturated > 0 {
            log.warning("\(phase.name), step \(state.stepInPhase): exact mode clamped \(Int(stats.saturated)) gradient value(s) that grew "
                + "more than 2^\(GradientReducer.headroomBits)× over the previous step's largest; the update is still the same on every "
                + "rank, but smaller than the true gradient. A spike like this usually means --lr (now \(config.lr)) is too high.")
        }
        let trainRanges = ranges(phase)
        let paramParts = model.parameterTerms(terms, weights: weights(), trainable: phase.trains, grads: reduced,
                                              sample: config.weights.orthSample, seed: config.seed, step: state.globalStep)
        stats.losses = stats.losses + paramParts
        guard stats.losses.total.isFinite else {
            throw HSAEError.badConfig(option: "--lr", message: "training diverged at \(phase.name), step \(state.stepInPhase): "
                + "the loss is \(stats.losses.total). Lower --lr (now \(config.lr)) or check the data for extreme values.")
        }
        // The per-parameter work: this rank's slice when the ranks share the update, else all.
        let space = reducer.space, own = space.pieces(reducer.ownSlice), ownRanges = own.map(\.params)
        // Parameter-only terms stay on every rank (small next to the data terms; their gradient lands
        // in every rank's buffer and each uses its slice). max |g| sets exact mode's exponents.
        var maxes = [Double](repeating: 0, count: trainRanges.count)
        if config.reduction == .exact { for p in own { maxes[p.range] = max(maxes[p.range], maxAbs(reduced, p.params)) } }
        var partials = [Double](repeating: 0, count: space.chunkCount)
        space.sumsOfSquares(reduced, over: reducer.ownSlice, into: &partials)
        try reducer.combineSlices(maxes: &maxes, sumsOfSquares: &partials, comm)
        if config.reduction == .exact { reducer.setExponents(fromMaxAbs: maxes) }
        let lr = config.lr * phase.lrFactor * LearningRateSchedule(base: 1, warmup: config.warmup, decay: config.decay)
            .rate(step: state.stepInPhase, of: phase.steps)
        let norm = TrainableSpace.norm(partials)
        adam.update(params: model.params, grads: reduced, ranges: ownRanges, lr: lr, clip: Adam.clip(norm: norm, maxNorm: config.clipNorm))
        model.projectEntries(updated: phase.trains, within: ownRanges)
        try reducer.allGather([model.params], comm)
        model.renormaliseRows()
        updateControllers(phase, stats)
        state.adamStep = adam.t
        state.stepInPhase += 1
        state.globalStep += 1
        state.exponents = config.reduction == .exact ? reducer.exponents : nil
        return (stats, norm, lr)
    }

    /// Runs this rank's microbatches of the current global batch, handing each one's
    /// gradient and stats to `add`. A local failure stops the loop and is returned (the
    /// caller still takes part in the step's collective).
    func computeMicrobatches(_ phase: TrainingPhase, terms: LossTerms,
                             add: (TensorBuffer<Float>, StepStats) -> Int64, onFailure: () -> Void) throws -> Error? {
        let b = config.microbatch, layers = model.architecture.layers
        let n = order.microbatchesPerBatch
        let mw = MicrobatchWeights(rowWeight: 1 / Double(config.batch), miWeight: 1 / Double(n))
        let trainRanges = ranges(phase)
        ws.deadLatents = auxKLatents(phase, terms: terms)
        for q in order.microbatches(rank: comm.rank, ranks: comm.size) {
            do {
                let rows = order.rows(batch: state.globalStep, microbatch: q)
                try data.read(rows: rows, into: ws.x.base)
                Float.scal(b * model.config.d, model.inputScale, ws.x.base)
                let seen = model.forward(ws, ForwardOptions(phase: phase))
                for r in trainRanges { (grads.base + r.lowerBound).update(repeating: 0, count: r.count) }
                var stats = StepStats(statsShape)
                stats.losses = model.dataTerms(ws, terms: terms, weights: weights(), microbatch: mw, layers: phase.runsLayers,
                                               trainable: phase.trains, grads: grads)
                stats.reconstruction = ws.reconstructionError
                guard stats.losses.total.isFinite else { throw nonFiniteError(phase, microbatch: q) }
                for layer in layers where phase.runs(layer: layer.index) {
                    countFiring(model.code(layer: layer.index, in: ws), into: &stats.fires, offset: layer.latentOffset,
                                total: &stats.nonZero[layer.index])
                }
                stats.modelCounts = model.stepCounts(ws)
                stats.thresholds = layers.map { seen[layer: $0.index] ?? 0 }
                // The gradient's finiteness is counted by the reducer as it reads the values (in exact
                // mode no separate pass: at d = 768, m1 = 16k, m2 = 4k one over the top layer's 134 M
                // parameters took 18 ms a microbatch, ~1.5 % of phase 2).
                guard add(grads, stats) == 0 else { throw nonFiniteError(phase, microbatch: q) }
            } catch {
                onFailure()
                return error
            }
        }
        return nil
    }

    func nonFiniteError(_ phase: TrainingPhase, microbatch q: Int) -> HSAEError {
        .badConfig(option: "--lr", message: "non-finite loss or gradient in \(phase.name), step \(state.stepInPhase), "
            + "microbatch \(q). Lower --lr (now \(config.lr)).")
    }

    /// The dead bottom latents the AuxK term revives this step: those that have not fired within the
    /// dead window, from the global counters every rank holds identically (so every rank count picks
    /// the same set). Empty where the term is off, the phase does not train the bottom layer, or the
    /// bottom layer revives by ghost grads (relu) without `--ghost-grads` (its dead latents have no
    /// positive pre-activation to select; ghost grads give them exp(a) instead).
    func auxKLatents(_ phase: TrainingPhase, terms: LossTerms) -> [Int32] {
        let revives: Bool
        switch model.config.bottom.activation.traits.deadLatentRevival {
        case .auxK: revives = true
        case .ghostGrads: revives = config.ghostGrads == true
        }
        guard terms.contains(.auxK), config.weights[.auxK] > 0, phase.trains.contains(.bottom), revives else { return [] }
        let window = Int64(max(1, config.deadWindowTokens / config.batch))
        return (0..<model.config.m1).filter { sinceFired[$0] >= window }.map { Int32($0) }
    }

    func countFiring(_ code: SparseCode<Float>, into fires: inout [Double], offset: Int, total: inout Double) {
        var counts = [Int](repeating: 0, count: code.latents)
        for j in code.index { counts[Int(j)] += 1 }
        for j in 0..<code.latents { fires[offset + j] += Double(counts[j]) }
        total += Double(code.count)
    }

    func maxAbs(_ buffer: TensorBuffer<Float>, _ r: Range<Int>) -> Double {
        Double(hsae_max_abs_f32(r.count, buffer.base + r.lowerBound))
    }

    /// λ controller (layers with an adaptive L1 penalty, phases that adapt them), dead-latent
    /// counters, the inference thresholds of batch-selected layers.
    func updateControllers(_ phase: TrainingPhase, _ stats: StepStats) {
        let c = model.config
        let tokens = Double(config.batch)
        // λ acts on the code only through weight updates, whose size scales with the learning rate;
        // dividing κ by the phase's lr factor keeps κ·lr, hence the loop's speed, the same in every phase.
        let gain = config.controllerGain / phase.lrFactor
        let antiWindup = config.controllerAntiWindup ?? false
        var controllers = state.controllers ?? c.layers.map { SparsityController(lambda: state.lambdas[$0.index], antiWindup: antiWindup) }
        let biasGain = phase.number == 3 ? config.phase3BiasControl : nil   // EncoderBiasControl
        for layer in c.layers where phase.adaptsLambda(layer: layer.index) && layer.spec.activation.traits.penalty == .adaptiveL1 {
            let (i, m) = (layer.index, layer.latents)
            let b = model.view(layer.encoderBias)
            controllers[i].step(density: stats.nonZero[i] / (tokens * Double(m)), target: layer.spec.target.density(latents: m),
                                gain: gain, biasGain: biasGain, bias: b.base, count: b.count)
            state.lambdas[i] = controllers[i].lambda
        }
        state.controllers = controllers
        let n = Float(order.microbatchesPerBatch)
        for layer in c.layers where phase.runs(layer: layer.index) {
            for j in layer.latentRange { sinceFired[j] = stats.fires[j] > 0 ? 0 : sinceFired[j] + 1 }
            if layer.spec.activation.traits.selection.learnsInferenceThreshold {
                let i = layer.index
                model.thresholds[i] = ema(model.thresholds[i], Float(stats.thresholds[i]) / n)
            }
        }
    }

    /// What this model's step statistics hold.
    var statsShape: StepStats.Shape { StepStats.Shape(model.config) }

    /// The batch-top-k inference threshold: an exponential moving average of the training batches'
    /// thresholds, keeping 0.99 of the old value (the rate is written out: 1 − 0.99 in Float is not 0.01).
    static let thresholdEMA: (keep: Float, rate: Float) = (0.99, 0.01)

    private func ema(_ old: Float, _ new: Float) -> Float { old == 0 ? new : Self.thresholdEMA.keep * old + Self.thresholdEMA.rate * new }

    /// Fraction of a layer's latents that have not fired within the dead window.
    func deadFraction(layer: Int) -> Double {
        let range = model.architecture.layers[layer].latentRange
        guard !range.isEmpty else { return 0 }
        let window = Int64(max(1, config.deadWindowTokens / config.batch))
        return Double(range.filter { sinceFired[$0] >= window }.count) / Double(range.count)
    }
}
