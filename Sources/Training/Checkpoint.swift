import Data
import Foundation
import Models
import NN
import TensorBoard

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

    public func write(to url: URL) throws { try write(to: url, knownFinite: false) }

    /// `knownFinite`: the caller has just checked every tensor (``Trainer/saveCheckpoint()``), so the scan of
    /// all weights and moments is not done a second time.
    func write(to url: URL, knownFinite: Bool) throws {
        let tensors = Self.payload(parameters: parameters, firstMoment: firstMoment, secondMoment: secondMoment)
        if !knownFinite, let name = Self.firstNonFinite(tensors) {
            throw SafeTensorsError(url: url, reason: "not written: tensor '\(name)' holds non-finite values")
        }
        let state = State(step: step, adamStep: adamStep, dataPosition: dataPosition)
        let metadata = [
            "format": "rmae-swift checkpoint",
            "version": Self.formatVersion,
            "state": String(decoding: try JSONEncoder().encode(state), as: UTF8.self),
            "config": String(decoding: try JSONEncoder().encode(config), as: UTF8.self),
            Self.checksumKey: String(Self.payloadChecksum(tensors), radix: 16),
        ]
        try SafeTensors.write(tensors, metadata: metadata, to: url)
    }

    /// The metadata key of the payload checksum (hex CRC-32C of ``payloadChecksum(_:)``). Checkpoints
    /// written before it existed have none and load unverified.
    public static let checksumKey = "payload_crc32c"

    /// CRC-32C over the tensors in name order: each name's UTF-8 bytes, then its Float32 values'
    /// little-endian bytes (the payload as stored, read back bit for bit).
    public static func payloadChecksum(_ tensors: [String: Tensor]) -> UInt32 {
        var crc: UInt32 = 0
        for name in tensors.keys.sorted() {
            crc = Array(name.utf8).withUnsafeBytes { CRC32C.update(crc, $0) }
            crc = tensors[name]!.withUnsafeBufferPointer { CRC32C.update(crc, UnsafeRawBufferPointer($0)) }   // little-endian host
        }
        return crc
    }

    /// A checkpoint's tensors under one namespace: `model.*` parameters, `adam.m.*` and `adam.v.*` moments.
    public static func payload(parameters: [String: Tensor], firstMoment: [String: Tensor], secondMoment: [String: Tensor]) -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        for (k, v) in parameters { tensors["model.\(k)"] = v }
        for (k, v) in firstMoment { tensors["adam.m.\(k)"] = v }
        for (k, v) in secondMoment { tensors["adam.v.\(k)"] = v }
        return tensors
    }

    /// The parameters and moments of a checkpoint file after checking its payload checksum (when it has one)
    /// and that every value is finite; errors name the file.
    public static func verifiedPayload(_ file: SafeTensors.File, url: URL) throws
        -> (parameters: [String: Tensor], firstMoment: [String: Tensor], secondMoment: [String: Tensor]) {
        func fail(_ reason: String) -> SafeTensorsError { SafeTensorsError(url: url, reason: reason) }
        if let stored = file.metadata[checksumKey] {
            guard let expected = UInt32(stored, radix: 16) else { throw fail("has a malformed checksum '\(stored)' in its metadata") }
            let actual = payloadChecksum(file.tensors)
            guard actual == expected else {
                throw fail("is corrupt: its tensors' CRC-32C is \(String(actual, radix: 16)), the metadata records \(stored)")
            }
        }
        if let name = firstNonFinite(file.tensors) { throw fail("holds non-finite values in tensor '\(name)'") }
        var params: [String: Tensor] = [:], m: [String: Tensor] = [:], v: [String: Tensor] = [:]
        for (k, t) in file.tensors {
            if k.hasPrefix("model.") { params[String(k.dropFirst(6))] = t }
            else if k.hasPrefix("adam.m.") { m[String(k.dropFirst(7))] = t }
            else if k.hasPrefix("adam.v.") { v[String(k.dropFirst(7))] = t }
        }
        return (params, m, v)
    }

    /// The first tensor (by name) holding a NaN or an infinity, or nil.
    public static func firstNonFinite(_ tensors: [String: Tensor]) -> String? {
        tensors.keys.sorted().first { name in tensors[name]!.withUnsafeBufferPointer { !$0.allSatisfy(\.isFinite) } }
    }

    /// Reads and checks a checkpoint: format, state and configuration metadata (validated like any
    /// configuration), the payload checksum when there is one, finite values. Every error names the file.
    public static func read(_ url: URL) throws -> Checkpoint {
        let file = try SafeTensors.read(url)
        func fail(_ reason: String) -> SafeTensorsError { SafeTensorsError(url: url, reason: reason) }
        guard file.metadata["format"] == "rmae-swift checkpoint", let stateJSON = file.metadata["state"],
              let configJSON = file.metadata["config"] else {
            throw fail("is not an rmae-swift training checkpoint (no format/state/config metadata)")
        }
        let state: State
        do { state = try JSONDecoder().decode(State.self, from: Data(stateJSON.utf8)) } catch {
            throw fail("has unreadable state metadata (\(TrainingConfig.describe(error)))")
        }
        // (the data position is opaque here; when it is a loader's, its numbers must be sane too)
        let position = try? LoaderBatches.position(from: state.dataPosition)
        guard (0...1_000_000_000_000).contains(state.step), (0...1_000_000_000_000).contains(state.adamStep),
              position.map({ (0...1_000_000_000).contains($0.epoch) && (0...1_000_000_000).contains($0.batch) }) ?? true else {
            throw fail("has state metadata out of range (step \(state.step), optimizer step \(state.adamStep), data position \(state.dataPosition))")
        }
        let config: TrainingConfig
        do { config = try JSONDecoder().decode(TrainingConfig.self, from: Data(configJSON.utf8)) } catch {
            throw fail("has an invalid configuration in its metadata: \(TrainingConfig.describe(error))")
        }
        let (params, m, v) = try verifiedPayload(file, url: url)
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

    /// The newest checkpoint of a run that reads back intact. Each corrupt newer one is reported through
    /// `warn` (naming the file and what is wrong) and renamed to `step_….safetensors.corrupt`, so that it
    /// is kept for inspection but neither listed nor counted when old checkpoints are pruned. Nil when the
    /// run has no checkpoint; the oldest one's error when none is intact.
    public static func newestIntact(in runDirectory: URL, warn: (String) -> Void) throws -> (Checkpoint, URL)? {
        try newestIntact(in: runDirectory, reading: read, warn: warn)
    }

    /// ``newestIntact(in:warn:)`` for any kind of checkpoint in the run's `checkpoints/` folder (`reading`
    /// reads and checks one file, throwing when it is unusable).
    public static func newestIntact<C>(in runDirectory: URL, reading: (URL) throws -> C, warn: (String) -> Void) throws -> (C, URL)? {
        var lastError: Error?
        for url in list(in: runDirectory).reversed() {
            do {
                return (try reading(url), url)
            } catch {
                let aside = url.appendingPathExtension("corrupt")
                try? FileManager.default.removeItem(at: aside)
                let moved = (try? FileManager.default.moveItem(at: url, to: aside)) != nil
                warn("skipping corrupt checkpoint \(url.path)" + (moved ? " (renamed to \(aside.lastPathComponent))" : "") + ": \(error)")
                lastError = error
            }
        }
        if let lastError { throw lastError }
        return nil
    }

    /// Removes temporary files (`.*.tmp`) that an interrupted checkpoint write left in the run's
    /// `checkpoints/` folder; returns their names.
    @discardableResult
    public static func removeStaleTemporaries(in runDirectory: URL) -> [String] {
        let dir = runDirectory.appendingPathComponent("checkpoints")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        let stale = names.filter { $0.hasPrefix(".") && $0.hasSuffix(".tmp") }
        for name in stale { try? FileManager.default.removeItem(at: dir.appendingPathComponent(name)) }
        return stale
    }

    /// Deletes all but the newest `keep` checkpoints.
    public static func prune(in runDirectory: URL, keep: Int) {
        let all = list(in: runDirectory)
        for url in all.dropLast(keep) { try? FileManager.default.removeItem(at: url) }
    }
}
