import Foundation

extension ModelFile {
    /// Checks a model_config read from a file against the file's own tensors before the model
    /// is allocated: a hostile config (m1 = 2^40) must be an error, not a 435 TB allocation.
    /// Every tensor the config implies must be present with exactly the implied shape; the
    /// tensors are already known to lie inside the file, so the model's size is then bounded
    /// by the file's.
    static func checkShapes(_ config: ModelConfig, in file: SafeTensorsFile) throws {
        func bad(_ message: String) -> HSAEError { .badInput(path: file.path, message: message) }
        do {
            try config.validate()
        } catch let error as HSAEError {
            throw bad("model_config is invalid: \(error)")
        }
        let (d, m1, m2) = (config.d, config.m1, config.m2)
        // From the declared groups, not the layout: its offsets would multiply a hostile config's sizes.
        let expected = config.parameterGroups.flatMap { g in g.tensors.map { ("\(g.name).\($0.role.rawValue)", $0.fileShape) } }
        for (name, shape) in expected {
            guard let info = file.tensors[name] else {
                throw bad("model_config (d \(d), m1 \(m1), m2 \(m2)) needs a tensor '\(name)', which the file does not have")
            }
            guard info.shape == shape else {
                throw bad("tensor '\(name)' has shape \(info.shape), but model_config (d \(d), m1 \(m1), m2 \(m2)) needs \(shape)")
            }
        }
    }
}
