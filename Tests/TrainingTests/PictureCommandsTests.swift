import Data
import Engine
import Foundation
import Models
import Testing
import TestSupport

/// Every picture command of the `rmae` executable, on the 64-px demo model and on a 224-px model, with a
/// square and a non-square photo and long file names: each writes a PNG that decodes, never a trap.
@Suite(.serialized) struct PictureCommandsTests {
    /// The two ends of the range of layouts: the demo preset (64 px, patch 8, 3 heads) and a 224-px
    /// model (patch 16, 196 patches; ViT-Tiny's width with 2 blocks, so that the test stays quick).
    static func models() -> [(name: String, config: ModelConfig)] {
        var wide = ModelPresets.config(named: "vit-tiny")!
        (wide.depth, wide.decoderEmbedDim, wide.decoderDepth, wide.decoderNumHeads) = (2, 64, 1, 2)
        return [("demo", ModelPresets.config(named: "demo")!), ("224px", wide)]
    }

    /// A photo of `width × height` with a bright disc on a darker ground, as a PNG in `folder`.
    static func photo(width: Int, height: Int, name: String, in folder: URL) throws -> URL {
        var px = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height { for x in 0..<width {
            let dx = Double(x - width / 2), dy = Double(y - height / 2)
            let inside = dx * dx + dy * dy < Double(min(width, height) * min(width, height)) / 9
            let i = (y * width + x) * 3
            (px[i], px[i + 1], px[i + 2]) = inside ? (230, 200, 40) : (UInt8(40 + x % 50), 90, UInt8(120 + y % 60))
        } }
        let url = folder.appendingPathComponent(name)
        try Foundation.Data(PNG.encode(pixels: px, width: width, height: height, channels: 3)).write(to: url)
        return url
    }

    static func expectPNG(_ url: URL, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let image = try ImageDecoder.decode(contentsOf: url)
            #expect(image.width > 0 && image.height > 0, "\(what): empty picture", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(what): no readable PNG at \(url.path): \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: models().map(\.name))
    func everyPictureCommandWritesItsPNG(_ name: String) throws {
        let rmae = CommandOutputTests.rmae
        try #require(FileManager.default.isExecutableFile(atPath: rmae.path), "build the rmae executable first: \(rmae.path)")
        let config = Self.models().first { $0.name == name }!.config
        let dir = try CommandOutputTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run-\(name)")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        let model = try RegionMAE(config: config, seed: 5)
        try SafeTensors.write(model.stateDict, metadata: ["format": "rmae-swift official state_dict",
                                                          "config": String(decoding: try JSONEncoder().encode(config), as: UTF8.self)],
                              to: run.appendingPathComponent("model_final.safetensors"))
        let records = (0...4).map { i in
            #"{"step": \#(i), "loss": \#(1.0 - 0.1 * Double(i)), "mae_loss": 0.6, "region_loss": 0.4, "elapsed_s": \#(i * 3), "val_region_iou": 0.5, "val_region_iou_baseline": 0.45}"#
        }
        try (records.joined(separator: "\n") + "\n").write(to: run.appendingPathComponent("metrics.jsonl"), atomically: true, encoding: .utf8)

        let long = "a-photo-with-a-long-name-taken-on-a-trip-to-the-mountains-in-the-late-summer-of-2024"
        let sizes = [(300, 120), (90, 200), (64, 64)]
        let photos = try zip(sizes, ["\(long).png", "tall.png", "square.png"]).map { size, file in
            try Self.photo(width: size.0, height: size.1, name: file, in: dir)
        }
        let out = dir.appendingPathComponent("out")

        let v = try CommandOutputTests.run(["visualize", "--checkpoint", run.path] + photos.map(\.path) + ["--out", out.path], in: dir)
        #expect(v.status == 0, "visualize: \(String(decoding: v.stderr, as: UTF8.self))")
        for photo in photos { Self.expectPNG(out.appendingPathComponent(photo.deletingPathExtension().lastPathComponent + ".png"), "visualize") }

        for (i, photo) in photos.enumerated() {
            let (w, h) = sizes[i]
            for query in ["0,0", "\(w / 2),\(h / 2)", "\(w - 1),\(h - 1)"] {
                let file = out.appendingPathComponent("attention-\(i)-\(query).png")
                let a = try CommandOutputTests.run(["attention", "--checkpoint", run.path, photo.path, "--query", query, "--out", file.path], in: dir)
                #expect(a.status == 0, "attention \(photo.lastPathComponent) \(query): \(String(decoding: a.stderr, as: UTF8.self))")
                Self.expectPNG(file, "attention")
            }
            let file = out.appendingPathComponent("segment-\(i).png")
            let s = try CommandOutputTests.run(["segment", "--checkpoint", run.path, photo.path, "--points", "\(sizes[i].0 / 3),\(sizes[i].1 / 3);\(sizes[i].0 / 2),\(sizes[i].1 / 2)", "--out", file.path], in: dir)
            #expect(s.status == 0, "segment \(photo.lastPathComponent): \(String(decoding: s.stderr, as: UTF8.self))")
            Self.expectPNG(file, "segment")
        }

        let curves = out.appendingPathComponent("curves.png")
        let c = try CommandOutputTests.run(["curves", run.path, run.path, "--names", "\(long),short", "--out", curves.path], in: dir)
        #expect(c.status == 0, "curves: \(String(decoding: c.stderr, as: UTF8.self))")
        Self.expectPNG(curves, "curves")
    }
}
