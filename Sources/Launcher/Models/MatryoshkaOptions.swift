import ArgumentParser
import HSAE

/// The Matryoshka baseline's own command-line options (`--model matryoshka`, or `--baseline matryoshka`).
struct MatryoshkaOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Matryoshka group sizes, adding up to m1 + m2 (default: m2, then doubling, the last group the rest; e.g. 128,256,256 for m1 512, m2 128).",
                               valueName: "sizes"))
    var matryoshkaGroups: String?

    /// After the model flags: for `--model matryoshka`, BatchTopK unless an activation was given
    /// (`activationGiven`), and the group sizes; `--model flat` drops a --config's or a resumed
    /// run's groups; the sizes are refused for any other model.
    func apply(to c: inout TrainConfig, model: String?, activationGiven: Bool) throws {
        guard model == MatryoshkaArchitecture.name else {
            if matryoshkaGroups != nil { throw ValidationError("--matryoshka-groups needs --baseline matryoshka") }
            if model == FlatArchitecture.name { c.model.matryoshkaGroups = nil }
            return
        }
        if !activationGiven { c.model.bottomActivation = .batchtopk }
        if let text = matryoshkaGroups {
            let sizes = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !sizes.isEmpty, sizes.allSatisfy({ $0 != nil && $0! > 0 }) else {
                throw ValidationError("--matryoshka-groups needs comma-separated positive latent counts (e.g. 128,256,256), got '\(text)'")
            }
            c.model.matryoshkaGroups = sizes.map { $0! }
        } else {
            c.model.matryoshkaGroups = MatryoshkaGroups.default(total: c.model.m1 + c.model.resolvedM2, first: c.model.resolvedM2)
        }
    }
}
