import Data
import Foundation
import Models
import NN

/// A resumable training state in one safetensors file: trainable parameters (`model.<key>`), AdamW moments
/// (`adam.m.<key>`, `adam.v.<key>`) and, as metadata, the configuration, the update counter and the data
/// position (masks are a function of the update and sample index, so no RNG state is needed). Written to a temporary file and renamed (``SafeTensors/write``).
public struct Checkpoint {
    public var step: Int
    public var parameters: [String: Tensor]
    public var firstMoment: [String: Tensor]
    public var secondMoment: [String: Tensor]
    public var adamStep: Int
    /// The data loader's position (JSON, opaque here).
    public var dataPosition: String
    public var config: TrainingConfig

    public static let formatVersion = "2"

    public init(step: Int, parameters: [String: Tensor], firstMoment: [String: Tensor], secondMoment: [String: Tensor],
                adamStep: Int, dataPosition: String, config: TrainingConfig) {
        self.step = step
        self.parameters = parameters
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
        self.adamStep = adamStep
        self.dataPosition = dataPosition
        self.config = config
    }

    struct State: Codable {
        var step: Int
        var adamStep: Int
        var dataPosition: String
    }

    public func write(to url: URL) throws {
        var tensors: [String: Tensor] = [:]
        for (k, v) in parameters { tensors["model.\(k)"] = v }
        for (k, v) in firstMoment { tensors["adam.m.\(k)"] = v }
        for (k, v) in secondMoment { tensors["adam.v.\(k)"] = v }
        let state = State(step: step, adamStep: adamStep, dataPosition: dataPosition)
        let metadata = [
            "format": "rmae-swift checkpoint",
            "version": Self.formatVersion,
            "state": String(decoding: try JSONEncoder().encode(state), as: UTF8.self),
            "config": String(decoding: try JSONEncoder().encode(config), as: UTF8.self),
        ]
        try SafeTensors.write(tensors, metadata: metadata, to: url)
    }

    public static func read(_ url: URL) throws -> Checkpoint {
        let file = try SafeTensors.read(url)
        guard file.metadata["format"] == "rmae-swift checkpoint", let stateJSON = file.metadata["state"],
              let configJSON = file.metadata["config"] else {
            throw SafeTensorsError(url: url, reason: "is not an rmae-swift training checkpoint (no format/state/config metadata)")
        }
        let state = try JSONDecoder().decode(State.self, from: Data(stateJSON.utf8))
        let config = try JSONDecoder().decode(TrainingConfig.self, from: Data(configJSON.utf8))
        var params: [String: Tensor] = [:], m: [String: Tensor] = [:], v: [String: Tensor] = [:]
        for (k, t) in file.tensors {
            if k.hasPrefix("model.") { params[String(k.dropFirst(6))] = t }
            else if k.hasPrefix("adam.m.") { m[String(k.dropFirst(7))] = t }
            else if k.hasPrefix("adam.v.") { v[String(k.dropFirst(7))] = t }
        }
        return Checkpoint(step: state.step, parameters: params, firstMoment: m, secondMoment: v, adamStep: state.adamStep,
                          dataPosition: state.dataPosition, config: config)
    }

    // MARK: - Files in a run directory

    /// `RUN/checkpoints/step_00001234.safetensors`
    public static func url(in runDirectory: URL, step: Int) -> URL {
        runDirectory.appendingPathComponent("checkpoints").appendingPathComponent(String(format: "step_%08d.safetensors", step))
    }

    /// Checkpoints of a run, oldest first.
    public static func list(in runDirectory: URL) -> [URL] {
        let dir = runDirectory.appendingPathComponent("checkpoints")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasPrefix("step_") && $0.hasSuffix(".safetensors") }.sorted().map { dir.appendingPathComponent($0) }
    }

    /// The newest checkpoint of a run directory, or the file itself when given a file.
    public static func latest(_ url: URL) -> URL? {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else { return nil }
        return isDir.boolValue ? list(in: url).last : url
    }

    /// Deletes all but the newest `keep` checkpoints.
    public static func prune(in runDirectory: URL, keep: Int) {
        let all = list(in: runDirectory)
        for url in all.dropLast(keep) { try? FileManager.default.removeItem(at: url) }
    }
}
