import Foundation

extension TrainerState {
    /// Checks a state read from a checkpoint against its configuration and its model, so that a
    /// damaged or edited state.json is an error naming the field instead of a wrong "done",
    /// a truncated metrics log or a trap deep in training.
    func validate(model: ModelConfig, sinceFired: Int, path: String) throws {
        func check(_ ok: Bool, _ field: String, _ expected: String) throws {
            if !ok { throw HSAEError.badInput(path: path, message: "\(field) is invalid: expected \(expected)") }
        }
        do {
            try config.validate(trainingRows: nil, ranks: 1)
        } catch let error as HSAEError {
            throw HSAEError.badInput(path: path, message: "its config is invalid: \(error)")
        }
        try check(d > 0 && d == model.d, "d (\(d))", "the model's d = \(model.d)")
        try check(config.modelConfig(d: d) == model, "config", "the architecture of model.safetensors (\(model.layerWidths))")
        let phases = config.phases
        try check(phaseIndex >= 0 && phaseIndex < phases.count, "phaseIndex (\(phaseIndex))", "0..<\(phases.count), the phases of its config")
        let steps = phases[phaseIndex].steps
        try check(stepInPhase >= 0 && stepInPhase <= steps, "stepInPhase (\(stepInPhase))", "0...\(steps), the length of phase \(phaseIndex)")
        let before = phases[..<phaseIndex].reduce(0) { $0 + $1.steps }
        try check(globalStep == before + stepInPhase, "globalStep (\(globalStep))",
                  "\(before + stepInPhase) (steps of the earlier phases + stepInPhase)")
        try check(adamStep >= 0 && adamStep <= globalStep, "adamStep (\(adamStep))", "0...globalStep (\(globalStep))")
        let layers = model.layers.count
        try check(lambdas.count >= layers, ModelLayer.lambdaKey(lambdas.count) + " (missing)", "a λ per layer of the model (\(layers))")
        for (i, lambda) in lambdas.prefix(layers).enumerated() {
            try check(lambda.isFinite && lambda >= 0, "\(ModelLayer.lambdaKey(i)) (\(lambda))", "a finite number >= 0")
        }
        if let controllers {
            try check(controllers.count >= layers, "controllers (\(controllers.count))", "a controller per layer of the model (\(layers))")
        }
        try check(dataVariance.isFinite && dataVariance > 0, "dataVariance (\(dataVariance))", "a finite number > 0")
        try check(datasetRows > 0, "datasetRows (\(datasetRows))", "> 0")
        try check(ranks >= 1, "ranks (\(ranks))", ">= 1")
        if let exponents {
            try check(exponents.count <= 16 && exponents.allSatisfy { abs($0) <= 1000 }, "exponents", "at most 16 values in -1000...1000")
        }
        try check(sinceFired == model.latentCount, "dead.steps_since_fired (\(sinceFired) entries)",
                  "\(model.latentSum) entries (optimizer.safetensors)")
    }
}
