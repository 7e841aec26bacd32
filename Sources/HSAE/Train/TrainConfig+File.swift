import Foundation

extension TrainConfig {
    /// Defaults overlaid with the keys of a JSON file (any subset of TrainConfig's keys, as
    /// written in RUN/config.json's "config"; within "weights", any subset of its keys). Unknown
    /// keys are an error naming the key.
    public static func load(file path: String, over base: TrainConfig = TrainConfig()) throws -> TrainConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HSAEError.badInput(path: path, message: "cannot read the configuration file")
        }
        guard var user = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw HSAEError.badInput(path: path, message: "is not a JSON object")
        }
        if let nested = user["config"] as? [String: Any] { user = nested }  // accept a RUN/config.json
        let baseObject = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(base)) as! [String: Any]
        let known = Set(baseObject.keys).union(ModelOptions.optionalKeys + ["phase3BiasControl"])
        if let unknown = user.keys.sorted().first(where: { !known.contains($0) }) {
            throw HSAEError.badInput(path: path, message: "unknown key '\(unknown)'; known keys: \(known.sorted().joined(separator: ", "))")
        }
        var merged = baseObject
        for (k, v) in user { merged[k] = v }
        // "weights" is a record of numbers: a file may give some of them ({"weights": {"betaMI": 0}}).
        if let given = user["weights"] as? [String: Any], let defaults = baseObject["weights"] as? [String: Any] {
            if let unknown = given.keys.sorted().first(where: { defaults[$0] == nil }) {
                throw HSAEError.badInput(path: path, message: "unknown key 'weights.\(unknown)'; known keys: \(defaults.keys.sorted().joined(separator: ", "))")
            }
            merged["weights"] = defaults.merging(given) { $1 }
        }
        do {
            return try JSONDecoder().decode(TrainConfig.self, from: try JSONSerialization.data(withJSONObject: merged))
        } catch {
            throw HSAEError.badInput(path: path, message: "a value has the wrong type: \(error)")
        }
    }
}
