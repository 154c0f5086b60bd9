import Data
import Foundation
import Models
import NN
import Testing
import TestSupport
import Training

/// `--init` in every format: what is loaded, initialised and dropped, and the errors that name the problem.
@Suite struct InitialWeightsTests {
    static func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rmae-init-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func mae(seed: UInt64 = 5) throws -> RegionMAE {
        var c = TestModelConfigs.small()
        c.numRegion = 0
        return try RegionMAE(config: c, seed: seed)
    }

    @Test func maeWeightsIntoRMAEStartTheRegionBranchFresh() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let mae = try Self.mae()
        let file = dir.appendingPathComponent("mae.safetensors")
        try SafeTensors.write(mae.stateDict, to: file)
        let weights = try InitialWeights.read(file.path)
        #expect(weights.format == .official)
        let rmae = try RegionMAE(config: TestModelConfigs.small(), seed: 9)
        let (model, report) = try weights.applied(to: rmae, strict: false)
        #expect(report.dropped.isEmpty)
        #expect(!report.initialised.isEmpty && report.initialised.allSatisfy { $0.hasPrefix("region_") })
        #expect(Set(report.loaded) == Set(mae.namedParameters().map(\.name)))
        let loaded = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.value) })
        for (name, value) in mae.namedParameters() { #expect(loaded[name]?.scalars == value.scalars, "\(name)") }
        let fresh = Dictionary(uniqueKeysWithValues: rmae.namedParameters().map { ($0.name, $0.value) })
        for name in report.initialised { #expect(loaded[name]?.scalars == fresh[name]?.scalars, "\(name)") }
        #expect(report.lines.contains { $0.hasPrefix("initialised") && $0.contains("region_") })
        // Strict loading refuses the mismatch and says what is missing.
        do {
            _ = try weights.applied(to: rmae, strict: true)
            Issue.record("strict loading accepted a file without the region branch")
        } catch let e as InitialWeightsError {
            #expect(e.description.contains("strict") && e.description.contains("missing region_"))
        }
    }

    @Test func huggingFaceFolderLoadsWithItsConfiguration() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let mae = try Self.mae()
        let (hub, _) = HuggingFaceViTMAE.hubTensors(mae.stateDict)
        try SafeTensors.write(hub, metadata: ["format": "pt"], to: dir.appendingPathComponent("model.safetensors"))
        try HuggingFaceViTMAE.configJSON(mae.config).write(to: dir.appendingPathComponent("config.json"))
        let weights = try InitialWeights.read(dir.path)
        #expect(weights.format == .huggingFace)
        let config = try #require(weights.config)
        #expect(config.embedDim == mae.config.embedDim && config.decoderDepth == mae.config.decoderDepth && config.numRegion == 0)
        let (model, report) = try weights.applied(to: try RegionMAE(config: config, seed: 1), strict: true)
        #expect(report.initialised.isEmpty && report.dropped.isEmpty)
        let loaded = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.value) })
        for (name, value) in mae.namedParameters() { #expect(loaded[name]?.scalars == value.scalars, "\(name)") }
        // The weights file alone, with config.json beside it, is the same.
        #expect(try InitialWeights.read(dir.appendingPathComponent("model.safetensors").path).format == .huggingFace)
    }

    @Test func mismatchesAreErrorsThatNameThem() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("mae.safetensors")
        try SafeTensors.write(try Self.mae().stateDict, to: file)
        var other = TestModelConfigs.small()
        other.patchSize = 4
        do {
            _ = try InitialWeights.read(file.path).applied(to: try RegionMAE(config: other), strict: false)
            Issue.record("a patch-size mismatch loaded")
        } catch let e as InitialWeightsError {
            #expect(e.description.contains("patch size 8 in the file, 4 in this model"))
        }
        // Another image size is fine: the sin-cos tables follow the model's grid.
        var bigger = TestModelConfigs.small()
        bigger.imgSize = 48
        let (_, report) = try InitialWeights.read(file.path).applied(to: try RegionMAE(config: bigger), strict: false, fileTables: false)
        #expect(report.tables.contains { $0.hasPrefix("pos_embed: sin-cos rebuilt") })
        #expect(throws: InitialWeightsError.self) { try InitialWeights.read(dir.path) }   // no config.json, no run
        #expect(throws: InitialWeightsError.self) { try InitialWeights.read(dir.appendingPathComponent("absent").path) }
        let notViT = dir.appendingPathComponent("other.safetensors")
        try SafeTensors.write(["weight": Tensor.zeros([2])], to: notViT)
        do {
            _ = try InitialWeights.read(notViT.path)
            Issue.record("a non-ViT file was read")
        } catch let e as InitialWeightsError {
            #expect(e.description.contains(notViT.path) && e.description.contains("not a ViT state dict"))
        }
    }
}
