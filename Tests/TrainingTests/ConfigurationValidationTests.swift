import Foundation
import Models
import Testing
import TestSupport
@testable import Training

/// One validation of the whole configuration, reached from YAML, from key=value overrides and from a
/// checkpoint's metadata; YAML structure attacks bounded before Yams sees them.
@Suite struct ConfigurationValidationTests {
    /// (YAML, override, the words the error must contain: key, value, range)
    static let badValues: [(yaml: String, override: String, expected: [String])] = [
        ("model:\n  num_heads: 0\n", "model.num_heads=0", ["num_heads", "0", "1..."]),
        ("model:\n  depth: -3\n", "model.depth=-3", ["depth", "-3", "1...256"]),
        ("model:\n  depth: 100000\n", "model.depth=100000", ["depth", "100000", "1...256"]),
        ("model:\n  mlp_ratio: 0\n", "model.mlp_ratio=0", ["mlp_ratio", "0.0", "[1.0, 64.0]"]),
        ("model:\n  in_chans: 0\n", "model.in_chans=0", ["in_chans", "0", "1...64"]),
        ("model:\n  decoder_embed_dim: 0\n", "model.decoder_embed_dim=0", ["decoder_embed_dim", "0", "4...16384"]),
        ("model:\n  img_size: 4611686018427387904\n", "model.img_size=4611686018427387904", ["img_size", "4611686018427387904", "1...8192"]),
        ("model:\n  embed_dim: 1048576\n", "model.embed_dim=1048576", ["embed_dim", "1048576", "4...16384"]),
        ("model:\n  num_region: 100000\n", "model.num_region=100000", ["num_region", "100000", "0...256"]),
        ("accum_iter: 9223372036854775807\n", "accum_iter=9223372036854775807", ["accum_iter", "9223372036854775807", "1...65536"]),
        ("num_workers: 100000000\n", "num_workers=100000000", ["num_workers", "100000000", "0...256"]),
        ("beta1: -0.1\n", "beta1=-0.1", ["beta1", "-0.1", "[0.0, 1.0)"]),
        ("beta2: 1.5\n", "beta2=1.5", ["beta2", "1.5", "[0.0, 1.0)"]),
        ("beta2: 1.0\n", "beta2=1.0", ["beta2", "1.0", "[0.0, 1.0)"]),
        ("blr: -1\n", "blr=-1", ["blr", "-1.0", "[0.0,"]),
        ("weight_decay: -1\n", "weight_decay=-1", ["weight_decay", "-1.0"]),
        ("lr: .nan\n", "lr=.inf", ["lr"]),
    ]

    static func yamlError(_ text: String) -> String? {
        do { _ = try TrainingConfig.decode(yaml: text); return nil } catch { return TrainingConfig.describe(error) }
    }

    @Test func badValuesNameKeyValueAndRangeFromYAMLOverridesAndCheckpoints() throws {
        for (yaml, override, expected) in Self.badValues {
            let fromYAML = try #require(Self.yamlError(yaml), "accepted: \(yaml)")
            let fromOverride = try #require(throws: ConfigurationError.self) { try TrainingConfig().overriding([override]) }.description
            for word in expected {
                #expect(fromYAML.contains(word), "YAML \(yaml): \(fromYAML)")
                #expect(fromOverride.contains(word), "override \(override): \(fromOverride)")
            }
        }
        // checkpoint metadata: the configuration JSON as written, with one value changed
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(TrainingConfig())) as! [String: Any]
        var model = json["model"] as! [String: Any]
        model["num_heads"] = 0
        json["model"] = model
        let error = try #require(throws: DecodingError.self) {
            try JSONDecoder().decode(TrainingConfig.self, from: JSONSerialization.data(withJSONObject: json))
        }
        #expect(TrainingConfig.describe(error).contains("num_heads 0 is outside the allowed range 1..."))
    }

    @Test func numHeadsZeroIsAnErrorNotADivisionByZero() {
        var m = ModelConfig()
        m.numHeads = 0
        #expect(throws: ModelConfigError.self) { try m.validate() }
        m = ModelConfig()
        m.regionEncNumHeads = 0
        #expect(throws: ModelConfigError.self) { try m.validate() }
    }

    @Test func unknownKeysSuggestTheClosestValidOne() throws {
        #expect(Self.yamlError("bach_size: 8\n")?.contains("did you mean 'batch_size'") == true)
        #expect(Self.yamlError("model:\n  num_head: 3\n")?.contains("did you mean 'model.num_heads'") == true)
        #expect(Self.yamlError("zzzzzzzzzzzz: 1\n")?.contains("unknown key 'zzzzzzzzzzzz'") == true)
        let e = try #require(throws: ConfigurationError.self) { try TrainingConfig().overriding(["weight_decy=0.1"]) }
        #expect(e.description.contains("did you mean 'weight_decay'"))
        let m = try #require(throws: ConfigurationError.self) { try TrainingConfig().overriding(["model.dpth=3"]) }
        #expect(m.description.contains("did you mean 'model.depth'"))
        #expect(ConfigurationKeys.distance("kitten", "sitting") == 3)
    }

    @Test func unknownPresetNonMappingModelAndDuplicateKeysAreErrors() {
        #expect(Self.yamlError("preset: vit-gigantic\n")?.contains("unknown preset 'vit-gigantic'") == true)
        #expect(Self.yamlError("model: 5\n")?.contains("model must be a mapping") == true)
        #expect(Self.yamlError("batch_size: 8\nbatch_size: 9\n")?.contains("'batch_size' appears twice") == true)
        #expect(Self.yamlError("model:\n  depth: 2\n  depth: 3\n")?.contains("'depth' appears twice") == true)
        // still fine: a partial file, flow style, comments, quoted strings with brackets
        #expect(Self.yamlError("preset: demo  # the demo\nmodel: {num_region: 4}\nregions: 'coco:[a].json'\n") == nil)
    }

    @Test func deepNestingAndAliasBombsFailBeforeYams() throws {
        let block = (0..<1_000).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n") + " 1\n"
        let flow = "model: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n"
        let dashes = String(repeating: "- ", count: 10_000) + "x\n"
        for text in [block, flow, dashes] {
            #expect(Self.yamlError(text)?.contains("nests deeper than 64") == true)
        }
        let letters = Array("abcdefghij")
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + (1...9).map { i in
            "\(letters[i]): &\(letters[i]) [" + Array(repeating: "*\(letters[i - 1])", count: 10).joined(separator: ", ") + "]"
        }.joined(separator: "\n") + "\nmodel: *j\n"
        #expect(Self.yamlError(bomb)?.contains("expands to more than") == true)
        let many = (0..<200).map { "k\($0): *a" }.joined(separator: "\n")
        #expect(Self.yamlError("a: &a 1\n" + many)?.contains("more than 100 aliases") == true)
        #expect(Self.yamlError(String(repeating: "#", count: 2 << 20))?.contains("bytes (limit") == true)
        #expect(throws: ConfigurationError.self) { try TrainingConfig().overriding(["batch_size=" + String(repeating: "[", count: 10_000)]) }
    }

    @Test func presetsAndTheWrittenConfigurationStillLoad() throws {
        for name in ModelPresets.names {
            let c = TrainingConfig(preset: name)
            try c.validate()
            #expect(try TrainingConfig.decode(yaml: try c.yaml()) == c)
        }
    }
}
