/// How this process was started.
public enum Launch: Equatable, Sendable {
    /// Started plainly: single-rank mode, MPI is never initialised.
    case single
    /// Started by `mpirun`/`mpiexec` (OpenMPI) or `srun --mpi=pmix`/PMI (SLURM).
    case mpi

    /// The variables a launcher sets in every rank's environment.
    public static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"]

    /// Reads the environment: any launcher variable means MPI.
    public static func detect(environment: [String: String]) -> Launch {
        launcherVariables.contains { environment[$0] != nil } ? .mpi : .single
    }
}
