import ArgumentParser
import Dist
import Foundation
import HSAE

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Training speed on random data of any shape: tokens/s, FLOP/s, allreduce share and peak RSS per phase.",
        discussion: """
            Runs the real trainer (same kernels, reduction and collectives as `hsae train`) on seeded N(0, 1) rows that every rank writes to node-local shared memory (/dev/shm) and removes at the end: no files to give. Checkpoints are off. Each phase runs --warmup steps, then --steps timed steps; the figures are medians of the timed steps. GFLOP/s are dense-equivalent (10·B·d·m per step, the peer scripts' convention): sparse kernels show above the dense peak. % peak is against W × this machine's one-thread sgemm. The allreduce share is the step's reduction; on one node it also holds the exchanges of the shared update (the slices' norms, the updated parameters) and any wait for a slower rank.

            A relu bottom layer starts at its target L0 (encoder bias set from the initial weights) and, at the default learning rate of 1e-6, stays there, since its speed depends on its sparsity; the table shows the L0 it ran at.

            Examples:
              hsae bench --d 768 --m1 16384 --activation topk --bottom-l0 64 --phases 1
              hsae bench --d 768 --m1 16384 --m2 4096 --activation topk --bottom-l0 64 --top-l0 16
              scripts/mpirun -np 2 .build/release/hsae bench --d 768 --m1 16384 --activation relu --bottom-l0 64 --phases 1 --microbatch 2048
            """)

    @Option(help: "Input width d.") var d = 768
    @Option(help: "Timed steps per phase.") var steps = 8
    @Option(help: "Untimed steps at the start of each phase.") var warmup = 2
    @Option(help: "Phases to run: 1, 12, 123 (or 'all'), or 'baseline' (the single-layer SAE with m1 + m2 latents).")
    var phases = "all"
    @Option(help: "Distinct random rows (cycled).") var rows = 32768
    @Flag(help: "Time the allreduce alone instead (Int64 buffers of 8 B to 256 MiB, as exact mode sends): α from 8 B, β from 256 MiB.")
    var allreduce = false

    @OptionGroup(title: "Model") var model: ModelArguments
    @OptionGroup(title: "Optimisation") var optimisation: OptimisationOptions
    @OptionGroup(title: "Data and system") var system: SystemOptions

    func validate() throws {
        guard d > 0, steps > 0, warmup >= 0, rows > 0 else {
            throw ValidationError("--d, --steps and --rows must be > 0 and --warmup >= 0 (got d \(d), steps \(steps), rows \(rows), warmup \(warmup))")
        }
        guard ["1", "12", "123", "all", "baseline"].contains(phases) else {
            throw ValidationError("--phases must be 1, 12, 123, all or baseline, got '\(phases)'")
        }
        guard optimisation.steps == nil, optimisation.tokens == nil else { throw ValidationError("bench sets the phase lengths: use --steps and --warmup") }
    }

    func config() throws -> TrainConfig {
        var c = TrainConfig()
        c.microbatch = 4096
        // Speed does not depend on the learning rate, but a relu code's sparsity does: at a tiny
        // rate the code stays at the L0 it starts at (--lr overrides).
        c.lr = 1e-6
        try model.apply(to: &c)
        try optimisation.apply(to: &c)
        system.apply(to: &c)
        let n = warmup + steps
        c.model.baseline = phases == "baseline"
        c.phaseSteps = phases == "1" || phases == "baseline" ? [n, 0, 0] : phases == "12" ? [n, n, 0] : [n, n, n]
        c.logEvery = Int.max / 2
        c.evalFraction = 0
        return c
    }

    func run() throws {
        Session.run { comm, log in
            if allreduce { return try Self.allreduceSweep(comm) }
            let config = try config()
            let root = "/dev/shm/hsae-bench-\(getpid())"
            defer { try? FileManager.default.removeItem(atPath: root) }
            let data = try comm.agreeing { try Bench.writeRandomData(rows: max(rows, config.batch), d: d, seed: config.seed, under: root) }
            let dataset = try ActivationDataset(path: data)
            try system.cache(dataset, log: log)
            let logger = Logger(rank: comm.rank)
            logger.quiet = true
            let trainer = try Trainer(comm: comm, log: logger, config: config, data: dataset, run: root + "/run")
            trainer.savesState = false
            Bench.startAtTargetDensity(trainer.model)
            let mc = trainer.model.config
            log.info("bench: d \(d), m1 \(mc.m1)\(mc.architecture is HierarchicalArchitecture ? ", m2 \(mc.m2)" : " (baseline)"), \(mc.bottom.activation.rawValue), "
                     + (mc.topDecodeK.map { "top decode k \($0), " } ?? "")
                     + "B \(config.batch), b \(config.microbatch), \(comm.size) rank(s), \(config.reduction.rawValue) reduction, "
                     + "\(BLASRuntime.threads) BLAS thread(s) per rank"
                     + (comm.size > 1 ? ", shared-memory single copy: \(Self.singleCopyMechanism)" : ""))
            let peak = BLASKernel.measureSGEMM()
            try trainer.train()
            var rss = [Bench.peakRSS()]
            try comm.allreduce(&rss, op: .max)
            let results = Bench.summarise(trainer.stepTimes, warmup: warmup, batch: config.batch, d: d, m: mc.m1)
            guard comm.isRoot else { return }
            print(BLASKernel.describe().line)
            print(String(format: "sgemm peak: %.1f GFLOP/s per thread (measured now)", peak))
            print("phase  steps  tok/s     ms/step  GFLOP/s(dense-eq)  %peak  allreduce  L0 bottom  L0 top")
            for r in results {
                let share = r.allreduceSeconds / r.secondsPerStep
                print(String(format: "%-5d  %5d  %8.0f  %7.1f  %17.1f  %5.0f  %8.1f%%  %9.1f  %6.1f", r.phase, r.steps, r.tokensPerSecond,
                             r.secondsPerStep * 1e3, r.denseEquivalentGFLOPs, 100 * r.denseEquivalentGFLOPs / (peak * Double(comm.size)),
                             100 * share, r.l0(layer: 0), r.l0(layer: 1)))
                print(String(format: "RESULT phase=%d tokens_per_s=%.1f ms_per_step=%.2f allreduce_share=%.4f l0_bottom=%.2f ranks=%d",
                             r.phase, r.tokensPerSecond, r.secondsPerStep * 1e3, share, r.l0(layer: 0), comm.size))
            }
            print(String(format: "peak RSS (max over ranks): %.0f MiB", rss[0] / 1_048_576))
        }
    }

    /// OpenMPI's shared-memory single-copy mechanism as this job was given it (scripts/mpirun picks
    /// cma where nothing refuses it, else none); it sets the cost of a large allreduce on one node.
    static var singleCopyMechanism: String {
        ProcessInfo.processInfo.environment["OMPI_MCA_btl_vader_single_copy_mechanism"] ?? "OpenMPI's default"
    }

    /// Median allreduce time of Int64 buffers from 1 to 2^25 elements, and the least-squares α, β.
    static func allreduceSweep(_ comm: Communicator) throws {
        var points: [(bytes: Double, seconds: Double)] = []
        for exponent in stride(from: 0, through: 25, by: 1) {
            let n = 1 << exponent
            var buffer = [Int64](repeating: 1, count: n)
            let reps = max(3, min(50, (1 << 22) / n))
            var times: [Double] = []
            for _ in 0..<(reps + 1) {
                try comm.barrier()
                let start = DispatchTime.now().uptimeNanoseconds
                try comm.allreduce(&buffer)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
            }
            var t = [times.dropFirst().sorted()[reps / 2]]
            try comm.allreduce(&t, op: .max)
            points.append((Double(n * 8), t[0]))
            if comm.isRoot { print(String(format: "RESULT allreduce ranks=%d bytes=%d seconds=%.6e", comm.size, n * 8, t[0])) }
        }
        // α from the smallest message (latency), β from the largest (bandwidth term).
        let alpha = points[0].seconds
        let beta = (points[points.count - 1].seconds - alpha) / points[points.count - 1].bytes
        if comm.isRoot {
            print(String(format: "fit: α = %.2f µs, β = %.3f ns/byte (%.2f GB/s effective), %d ranks", alpha * 1e6, beta * 1e9, 1 / beta / 1e9, comm.size))
        }
    }
}
