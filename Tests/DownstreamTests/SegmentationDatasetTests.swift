import Data
import Downstream
import Foundation
import Testing

/// The mmsegmentation layout: pairs by stem, and every problem named with its file.
struct SegmentationDatasetTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rmae-segdata-\(UUID().uuidString)")
        for sub in ["train/images", "train/labels", "val/images", "val/labels"] {
            try FileManager.default.createDirectory(at: url.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try "cat\ndog\n".write(to: url.appendingPathComponent("classes.txt"), atomically: true, encoding: .utf8)
        return url
    }

    static func write(_ root: URL, _ split: String, _ stem: String, size: (Int, Int) = (8, 6), labelSize: (Int, Int)? = nil,
                      ids: [UInt8]? = nil, sixteenBit: Bool = false) throws {
        let (w, h) = size
        try Foundation.Data(PNG.encode(pixels: [UInt8](repeating: 100, count: w * h * 3), width: w, height: h, channels: 3))
            .write(to: root.appendingPathComponent("\(split)/images/\(stem).png"))
        let (lw, lh) = labelSize ?? size
        let labels = ids ?? (0..<(lw * lh)).map { UInt8($0 % 3) }
        try Foundation.Data(PNG.encode(pixels: labels, width: lw, height: lh, channels: 1))
            .write(to: root.appendingPathComponent("\(split)/labels/\(stem).png"))
    }

    @Test func pairsImagesAndLabelsByStem() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        try Self.write(root, "train", "b")
        try Self.write(root, "train", "a")
        let data = try SegmentationDataset(root: root, split: "train")
        #expect(data.classNames == ["background", "cat", "dog"])
        #expect(data.samples.map { $0.image.lastPathComponent } == ["a.png", "b.png"])
        let (image, labels) = try data.load(0)
        #expect(image.width == 8 && labels.width == 8 && labels.ids.prefix(4) == [0, 1, 2, 0])
        #expect(try data.classFrequencies() == [32, 32, 32])   // two 8x6 maps of ids 0, 1, 2 in turn
        // the split folder alone finds classes.txt beside it
        #expect(try SegmentationDataset(root: root.appendingPathComponent("train")).samples.count == 2)
    }

    @Test func aLabelMapOfTheWrongSizeIsNamed() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        try Self.write(root, "val", "x", labelSize: (7, 6))
        let data = try SegmentationDataset(root: root, split: "val")
        #expect { _ = try data.load(0) } throws: { error in
            "\(error)".contains("val/labels/x.png") && "\(error)".contains("7x6") && "\(error)".contains("8x6")
        }
    }

    @Test func aClassIDPastTheCountIsNamedAndTheIgnoreIndexIsNot() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        try Self.write(root, "val", "ok", ids: [UInt8](repeating: 255, count: 48))
        try Self.write(root, "val", "zz", ids: [0, 1, 2, 3] + [UInt8](repeating: 0, count: 44))
        let data = try SegmentationDataset(root: root, split: "val")
        _ = try data.load(0)
        #expect { _ = try data.load(1) } throws: { error in
            "\(error)".contains("val/labels/zz.png") && "\(error)".contains("class id 3")
        }
    }

    @Test func missingClassesFileOrLabelIsNamed() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        try Self.write(root, "train", "a")
        try FileManager.default.removeItem(at: root.appendingPathComponent("train/labels/a.png"))
        #expect { _ = try SegmentationDataset(root: root, split: "train") } throws: { error in
            "\(error)".contains("train/images/a.png") && "\(error)".contains("no label map")
        }
        try FileManager.default.removeItem(at: root.appendingPathComponent("classes.txt"))
        #expect { _ = try SegmentationDataset(root: root, split: "train") } throws: { error in
            "\(error)".contains("classes.txt") && "\(error)".contains("not found")
        }
    }
}
