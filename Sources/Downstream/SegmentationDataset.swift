import Data
import Foundation
import Regions

/// A labelled folder in mmsegmentation's custom-dataset layout:
/// ```
/// DIR/classes.txt              one class name a line; line 1 = class 1 (0 is background)
/// DIR/train/images/NAME.jpg    (or .jpeg, .png)
/// DIR/train/labels/NAME.png    same stem; 8- or 16-bit class ids, 0 = background, ignoreIndex = not scored
/// DIR/val/images, DIR/val/labels
/// ```
/// A split folder (`DIR/val`) can be opened on its own: `classes.txt` is looked for in it, then beside it.
/// Every problem is an error naming the file: a missing `classes.txt` or `labels/` folder, an image
/// without its label map (or the reverse), and, when a sample is read, a label map whose size differs from
/// its image or an id past the class count. Nothing is resized or clipped.
public struct SegmentationDataset: Sendable {
    /// Class names by id: `[0]` = "background" ("background (id 0)" if a line of `classes.txt` is
    /// "background"), then the lines of `classes.txt`.
    public let classNames: [String]
    public let ignoreIndex: Int32
    /// (image, label map) pairs, sorted by image path.
    public let samples: [(image: URL, label: URL)]
    /// The split folder (with `images/` and `labels/`).
    public let folder: URL

    /// Classes, background included.
    public var classes: Int { classNames.count }

    /// Opens `DIR/split` (`split` nil: `root` is the split folder itself).
    public init(root: URL, split: String? = nil, ignoreIndex: Int32 = 255) throws(SegmentationDataError) {
        let folder = split.map { root.appendingPathComponent($0) } ?? root
        self.folder = folder
        self.ignoreIndex = ignoreIndex
        let candidates = split == nil ? [folder.appendingPathComponent("classes.txt"), folder.deletingLastPathComponent().appendingPathComponent("classes.txt")]
                                      : [root.appendingPathComponent("classes.txt")]
        guard let classesFile = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw SegmentationDataError(file: candidates[0].path, "classes.txt not found (one class name a line, line 1 = class 1)")
        }
        let text: String
        do { text = try String(contentsOf: classesFile, encoding: .utf8) } catch {
            throw SegmentationDataError(file: classesFile.path, "cannot read: \(error.localizedDescription)")
        }
        let names = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw SegmentationDataError(file: classesFile.path, "names no class") }
        if let duplicate = Dictionary(grouping: names, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw SegmentationDataError(file: classesFile.path, "names class '\(duplicate)' twice")
        }
        guard names.count < Int(ignoreIndex) || ignoreIndex < 0 else {
            throw SegmentationDataError(file: classesFile.path, "\(names.count) classes reach the ignore index \(ignoreIndex)")
        }
        // id 0 keeps a name of its own even where classes.txt also says "background"
        classNames = [names.contains("background") ? "background (id 0)" : "background"] + names

        let images = folder.appendingPathComponent("images"), labels = folder.appendingPathComponent("labels")
        for dir in [images, labels] {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
                throw SegmentationDataError(file: dir.path, "folder not found (expected \(folder.path)/images and \(folder.path)/labels)")
            }
        }
        func files(_ dir: URL, _ extensions: Set<String>) -> [String: URL] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            var out: [String: URL] = [:]
            for name in names where extensions.contains((name as NSString).pathExtension.lowercased()) {
                out[(name as NSString).deletingPathExtension] = dir.appendingPathComponent(name)
            }
            return out
        }
        let imageFiles = files(images, ["jpg", "jpeg", "png"]), labelFiles = files(labels, ["png"])
        guard !imageFiles.isEmpty else { throw SegmentationDataError(file: images.path, "holds no .jpg, .jpeg or .png image") }
        if let stem = imageFiles.keys.sorted().first(where: { labelFiles[$0] == nil }) {
            throw SegmentationDataError(file: imageFiles[stem]!.path, "has no label map \(labels.path)/\(stem).png")
        }
        if let stem = labelFiles.keys.sorted().first(where: { imageFiles[$0] == nil }) {
            throw SegmentationDataError(file: labelFiles[stem]!.path, "has no image of the same name in \(images.path)")
        }
        samples = imageFiles.keys.sorted().map { (imageFiles[$0]!, labelFiles[$0]!) }
    }

    /// Reads sample `i`: the photo and its class map, checked against each other and the class count.
    public func load(_ i: Int) throws(SegmentationDataError) -> (image: RGBImage, labels: ClassMap) {
        let (imageURL, labelURL) = samples[i]
        let image: RGBImage, labels: ClassMap
        do { image = try ImageDecoder.decode(contentsOf: imageURL) } catch {
            throw SegmentationDataError(file: imageURL.path, error.reason)
        }
        do { labels = try ClassMap.read(contentsOf: labelURL) } catch {
            throw SegmentationDataError(file: labelURL.path, error.reason)
        }
        try check(labels, image: image, labelFile: labelURL)
        return (image, labels)
    }

    /// A label map of the image's size whose ids are classes or the ignore index.
    public func check(_ labels: ClassMap, image: RGBImage, labelFile: URL) throws(SegmentationDataError) {
        guard labels.width == image.width, labels.height == image.height else {
            throw SegmentationDataError(file: labelFile.path, "is \(labels.width)x\(labels.height) but its image is \(image.width)x\(image.height)")
        }
        try checkIDs(labels, labelFile: labelFile)
    }

    /// Every id a class or the ignore index.
    func checkIDs(_ labels: ClassMap, labelFile: URL) throws(SegmentationDataError) {
        if let bad = labels.ids.first(where: { ($0 < 0 || Int($0) >= classes) && $0 != ignoreIndex }) {
            throw SegmentationDataError(file: labelFile.path, "holds class id \(bad), past the \(classes - 1) classes of classes.txt (and not the ignore index \(ignoreIndex))")
        }
    }

    /// Pixels of each class over every label map (ignored pixels left out); reads every label file.
    public func classFrequencies() throws(SegmentationDataError) -> [Int] {
        var counts = [Int](repeating: 0, count: classes)
        for (_, url) in samples {
            let labels: ClassMap
            do { labels = try ClassMap.read(contentsOf: url) } catch { throw SegmentationDataError(file: url.path, error.reason) }
            try checkIDs(labels, labelFile: url)
            for id in labels.ids where id != ignoreIndex { counts[Int(id)] += 1 }
        }
        return counts
    }
}

/// Why a labelled folder or one of its files cannot be used; names the file.
public struct SegmentationDataError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var reason: String
    public init(file: String, _ reason: String) { (self.file, self.reason) = (file, reason) }
    public var description: String { "\(file): \(reason)" }
}
