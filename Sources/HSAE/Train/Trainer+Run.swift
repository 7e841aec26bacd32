import Dist
import Foundation

extension Trainer {
    /// Runs (or continues) every phase to the end, checkpointing at every phase end and
    /// every `checkpointEvery` steps, and writes RUN/model.safetensors at the end (neither when
    /// `savesState` is off).
    public func train() throws {
        try comm.agreeing { if comm.isRoot { try prepareRunDirectory() } }
        let kernel = BLASKernel.describe()
        log.info(kernel.line)
        if let warning = kernel.warning { log.warning(warning) }
        for advice in config.advisories { log.warning(advice) }
        // One rank has no peer to lose: a paused or slow single-rank job is never ended.
        let watchdog = Watchdog.isNeeded(ranks: comm.size) ? Watchdog(timeout: config.watchdogSeconds, rank: comm.rank) : nil
        watchdog?.start()
        defer { watchdog?.stop() }
        while state.phaseIndex < phases.count {
            let phase = phases[state.phaseIndex]
            if state.stepInPhase >= phase.steps {
                state.phaseIndex += 1
                state.stepInPhase = 0
                state.exponents = nil
                state.controllers = nil
                adam.reset()
                continue
            }
            if phase.fitsForest == true, state.stepInPhase == 0 { try fitForest(phase) }
            let reducer = try makeReducer(phase)
            if config.reduction == .exact {
                if let e = state.exponents, e.count == reducer.exponents.count { reducer.exponents = e }
                else { try probeExponents(phase, reducer) }
            }
            log.info("\(phase.name): \(phase.steps) steps of \(config.batch) tokens, lr \(fmt(config.lr * phase.lrFactor))")
            let clock = Date()
            let startStep = state.stepInPhase
            while state.stepInPhase < phase.steps {
                reducer.beginStep()
                let stepStart = DispatchTime.now().uptimeNanoseconds
                let (stats, norm, lr) = try step(phase, reducer: reducer)
                stepTimes.append(StepTime(phase: phase.number, seconds: Double(DispatchTime.now().uptimeNanoseconds - stepStart) * 1e-9,
                                          allreduceSeconds: reducer.lastAllreduceSeconds,
                                          l0: stats.nonZero.map { $0 / Double(config.batch) }))
                watchdog?.kick()
                let done = state.stepInPhase == phase.steps
                let rate = Double((state.stepInPhase - startStep) * config.batch) / max(1e-9, Date().timeIntervalSince(clock))
                if done || state.stepInPhase % config.logEvery == 0 {
                    report(phase, stats, gradNorm: norm, lr: lr, tokensPerSecond: rate, final: done)
                }
                if savesState, done || state.globalStep % config.checkpointEvery == 0 { try checkpoint(phase, reducer) }
                afterStep?(state.globalStep)
            }
        }
        guard savesState else { return }
        try comm.agreeing {
            if comm.isRoot { try AtomicFile.write(try ModelFile.serialize(model), to: RunDirectory(run).model) }
        }
        let directory = RunDirectory(run)
        log.info("done: \(directory.model) (checkpoints in \(directory.checkpoints), metrics in \(directory.metrics))")
    }

    /// Creates RUN, writes the resolved configuration (config.json) and opens metrics.jsonl.
    func prepareRunDirectory() throws {
        do {
            try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        } catch {
            throw HSAEError.io(path: run, message: "cannot create the run directory: \(error.localizedDescription)")
        }
        // The marker first (the same bytes on every start and resume: a run of hsae train, whose
        // entries --resume continues), then the lock before any other write: a second process on
        // this run stops there.
        try OutputMarker(command: .train, files: OutputDirectory.Command.train.files).write(in: run)
        if runLock == nil { runLock = try RunLock(run: run) }
        let stale = Checkpoint.removeStaleTemporaries(run: run)
        if !stale.isEmpty { log.warning("removed \(stale.count) temporary file(s) left by an interrupted write: \(stale.joined(separator: ", "))") }
        let resolved = ResolvedRun(config: config, model: model.config, dataset: data.path, datasetTensor: data.tensor, datasetRows: data.rows,
                                   inputScale: Double(model.inputScale), ranks: comm.size, hsae: HSAEVersion.string,
                                   modelName: model.config.architecture.name)
        try AtomicFile.write(try JSONFormat.encoder(.pretty).encode(resolved), to: RunDirectory(run).config)
        metrics = try Run(run).openMetrics(truncatingAfter: state.globalStep)
    }

    /// The phase's gradient reducer: exact mode on ranks of one node sums through shared memory
    /// (GradientReducer), otherwise by allreduce; rank 0 says which whenever it changes (phase 3's
    /// segments are the largest, and /dev/shm may hold phase 1's but not phase 3's).
    func makeReducer(_ phase: TrainingPhase) throws -> GradientReducer {
        let trainRanges = ranges(phase)
        var shared: NodeSharedSegments? = nil
        if comm.size > 1 {
            let how: String
            switch try GradientReducer.sharedSegments(comm, mode: config.reduction, ranges: trainRanges) {
            case .success(let segments):
                shared = segments
                how = "gradient reduction: \(comm.size) ranks on one node, summed in shared memory"
            case .failure(let why):
                how = "gradient reduction: MPI_Allreduce (\(why))"
            }
            if how != announcedReduction { log.info(how) }
            announcedReduction = how
        }
        return GradientReducer(mode: config.reduction, ranges: trainRanges, stats: statsShape,
                               microbatchesPerBatch: order.microbatchesPerBatch, shared: shared, rank: comm.rank)
    }

    /// Exact mode at a phase start: the fixed-point exponents come from one extra pass that
    /// finds each tensor's largest microbatch gradient (allreduce max) — there is no previous step.
    func probeExponents(_ phase: TrainingPhase, _ reducer: GradientReducer) throws {
        let trainRanges = ranges(phase)
        var maxes = [Double](repeating: 0, count: trainRanges.count)
        let failure = try computeMicrobatches(phase, terms: phase.terms.intersection(config.terms)) { g, _ in
            for (t, r) in trainRanges.enumerated() { maxes[t] = max(maxes[t], maxAbs(g, r)) }
            return Adam.normsAreFinite(g, ranges: trainRanges) ? 0 : 1  // (max |g| skips NaN)
        } onFailure: {}
        try comm.agree(failure)
        try comm.allreduce(&maxes, op: .max)
        reducer.setExponents(fromMaxAbs: maxes)
    }

    /// Rank 0 writes the checkpoint; every rank learns whether it worked. Where the ranks share the
    /// update, each holds Adam's moments of its own slice only: they are gathered first.
    func checkpoint(_ phase: TrainingPhase, _ reducer: GradientReducer) throws {
        try reducer.allGather([adam.m, adam.v], comm)
        let name = Checkpoint.name(phase: phase.number, globalStep: state.globalStep)
        try comm.agreeing {
            guard comm.isRoot else { return }
            if let failure = metrics?.failure { throw failure }
            try Checkpoint.write(run: run, name: name, model: model, adam: adam, sinceFired: sinceFired, state: state)
            Checkpoint.prune(run: run, keep: config.keepCheckpoints ?? TrainConfig.defaultKeepCheckpoints, phaseEnds: phaseEnds)
        }
    }

    /// Global steps at which a phase ends (their checkpoints are never pruned).
    var phaseEnds: Set<Int> {
        var ends: Set<Int> = [], total = 0
        for p in phases { total += p.steps; ends.insert(total) }
        return ends
    }

    func report(_ phase: TrainingPhase, _ stats: StepStats, gradNorm: Double, lr: Double, tokensPerSecond: Double, final: Bool) {
        let c = model.config
        let tokens = Double(config.batch)
        let fvu = stats.reconstruction / state.dataVariance
        var record: [String: Any] = [
            "phase": phase.number, "step": state.stepInPhase, "global_step": state.globalStep,
            "tokens": state.globalStep * config.batch, "loss": stats.losses.total, "fvu": fvu,
            "tokens_per_s": tokensPerSecond, "lr": lr, "grad_norm": gradNorm,
        ]
        let logged = c.architecture.trainingLog
        for value in logged { record[value.key] = value.value(model, in: phase) }
        for term in LossTerm.all { record["loss_" + term.name] = stats.losses[term] }
        var line = "\(phase.name) \(state.stepInPhase)/\(phase.steps)  loss \(fmt(stats.losses.total)) fvu \(fmt(fvu))"
        var lambdas = ""
        for layer in c.layers where phase.runs(layer: layer.index) {
            let i = layer.index, l0 = stats.nonZero[i] / tokens
            record["l0_" + layer.name] = l0
            record["sparsity_" + layer.name] = 1 - l0 / Double(layer.latents)
            record[ModelLayer.lambdaKey(i)] = state.lambdas[i]
            record["dead_" + layer.name] = deadFraction(layer: i)
            let gap = i == 0 ? "  " : " "
            line += gap + layer.progressLabel + "L0 \(fmt(l0, 1)) (s \(fmt(1 - l0 / Double(layer.latents), 3)))"
            if layer.spec.activation.traits.penalty == .adaptiveL1 { lambdas += gap + ModelLayer.lambdaLabel(i) + " \(fmt(state.lambdas[i]))" }
        }
        for (k, count) in c.stepCounts.enumerated() where phase.runs(layer: count.layer) {
            record[count.key] = stats.modelCounts[k] / (tokens * Double(count.perToken))
        }
        metrics?.append(record)
        let remaining = Double(phase.steps - state.stepInPhase) * tokens / max(tokensPerSecond, 1e-9)
        line += lambdas
        for value in logged where value.computed(in: phase) { line += "  \(value.progressLabel) \(fmt(value.value(model), value.digits))" }
        line += "  \(Int(tokensPerSecond)) tok/s  ETA \(Int(remaining))s"
        log.progress(line, force: final)
    }
}

func fmt(_ v: Double, _ digits: Int = 4) -> String {
    if v != 0, abs(v) < 1e-3 || abs(v) >= 1e5 { return String(format: "%.\(max(1, digits - 1))e", v) }
    return String(format: "%.\(digits)f", v)
}
