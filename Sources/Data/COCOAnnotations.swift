import Foundation

/// Instance masks from a COCO-format annotation file (COCO ground truth, SAM masks exported as COCO, or
/// an SA-1B per-image file), indexed by image, for ``RegionSource/coco(_:)``.
///
/// Each annotation is one region: polygons, run lengths or compressed run lengths (pycocotools
/// semantics: column-major runs starting with zeros), kept in their compact file encoding and rasterised
/// only for the crop a sample takes (``InstanceMask``). Overlapping masks stay separate regions.
///
/// Images are matched to dataset samples by `file_name`: the sample's relative path first
/// (`train2017/000000000009.jpg` against a sample `train2017/000000000009.jpg`), then its file name alone
/// when no other entry of the file has the same name.
///
/// Reading is lenient. An image entry or annotation that does not decode, a polygon with an odd or short
/// coordinate list, run lengths that are malformed or do not add up to h · w, an annotation whose
/// `image_id` names no image, and a `file_name` given twice are each counted in ``problemCount`` and named
/// in ``problems``; the rest of the file is used. Only an unreadable file or one that is not JSON in
/// either shape throws.
///
/// ```swift
/// let masks = try COCOAnnotations(contentsOf: URL(fileURLWithPath: "annotations/sam_train2017.json"))
/// let data = try Dataset(images: train2017, regions: .coco(masks))
/// ```
public final class COCOAnnotations: Sendable, Equatable {
    /// One image entry of the file and its usable masks.
    struct Entry: Sendable {
        var fileName: String
        var width: Int?
        var height: Int?
        /// `(annotation id, mask)` in file order.
        var masks: [(id: Int?, mask: InstanceMask)]
    }

    /// The annotation file (or a name for in-memory JSON).
    public let file: String
    /// Image entries.
    public var imageCount: Int { entries.count }
    /// Usable masks over all images.
    public let maskCount: Int
    /// Problems found while reading, each naming its image entry or annotation (the first 1,000).
    public let problems: [String]
    /// Every problem found, including those past the first 1,000.
    public let problemCount: Int

    let entries: [Entry]
    private let byPath: [String: Int]
    private let byName: [String: Int]
    /// Most problems kept by name.
    static let namedProblems = 1000

    /// Reads and indexes an annotation file.
    /// - Throws: ``DataError/badRegions(_:)`` when the file cannot be read or is not COCO/SA-1B JSON.
    public convenience init(contentsOf url: URL) throws(DataError) {
        let bytes: Foundation.Data
        do {
            bytes = try Foundation.Data(contentsOf: url)
        } catch {
            throw DataError.badRegions("\(url.path): cannot read: \(error.localizedDescription)")
        }
        try self.init(json: bytes, name: url.path)
    }

    /// Indexes in-memory JSON; `name` stands for the file in messages.
    /// - Throws: ``DataError/badRegions(_:)`` when it is not COCO/SA-1B JSON.
    public init(json: Foundation.Data, name: String) throws(DataError) {
        let parsed: COCOJSON
        do {
            parsed = try JSONDecoder().decode(COCOJSON.self, from: json)
        } catch {
            throw DataError.badRegions("\(name): not a COCO annotation file: \(COCOJSON.reason(error))")
        }
        var problems: [String] = []
        var problemCount = 0
        func problem(_ text: String) {
            problemCount += 1
            if problems.count < Self.namedProblems { problems.append(text) }
        }

        var entries: [Entry] = []
        var byId: [Int: Int] = [:]
        var byPath: [String: Int] = [:]
        var nameCount: [String: Int] = [:]
        var byName: [String: Int] = [:]
        for (i, item) in parsed.images.enumerated() {
            switch item.value {
            case .failure(let why):
                problem("image entry \(i): \(why.description)")
            case .success(let image):
                let path = Self.normalised(image.fileName)
                if byPath[path] != nil {
                    problem("image entry \(i): file_name \"\(image.fileName)\" given twice; the first is used")
                    continue
                }
                if let id = image.id { byId[id] = entries.count }
                byPath[path] = entries.count
                let name = Self.baseName(path)
                nameCount[name, default: 0] += 1
                byName[name] = entries.count
                entries.append(Entry(fileName: image.fileName, width: image.width, height: image.height, masks: []))
            }
        }
        for (name, count) in nameCount where count > 1 { byName[name] = nil }

        var maskCount = 0
        for (i, item) in parsed.annotations.enumerated() {
            let label = "annotation entry \(i)"
            guard case .success(let annotation) = item.value else {
                if case .failure(let why) = item.value { problem("\(label): \(why.description)") }
                continue
            }
            let named = annotation.id.map { "annotation \($0)" } ?? label
            let target: Int?
            if let imageId = annotation.imageId {
                target = byId[imageId]
                if target == nil { problem("\(named): image_id \(imageId) names no image entry") }
            } else if parsed.single && !entries.isEmpty {
                target = 0
            } else {
                target = nil
                problem("\(named): no image_id")
            }
            guard let target else { continue }
            switch annotation.segmentation {
            case .polygons(let lists):
                switch PolygonMask.make(lists) {
                case .success(let mask):
                    entries[target].masks.append((annotation.id, .polygons(mask)))
                    maskCount += 1
                case .failure(let why):
                    problem("\(named) (\(entries[target].fileName)): \(why.description)")
                }
            case .runs(let height, let width, let counts):
                let mask = RunLengthMask(height: height, width: width, counts: counts)
                if let why = mask.problem() {
                    problem("\(named) (\(entries[target].fileName)): \(why)")
                } else {
                    entries[target].masks.append((annotation.id, .runs(mask)))
                    maskCount += 1
                }
            }
        }
        self.file = name
        self.entries = entries
        self.byPath = byPath
        self.byName = byName
        self.maskCount = maskCount
        self.problems = problems
        self.problemCount = problemCount
    }

    /// The entry for a dataset sample's relative path: by `file_name`, then by file name alone when unique.
    func entry(for path: String) -> Entry? {
        let path = Self.normalised(path)
        if let i = byPath[path] ?? byName[Self.baseName(path)] { return entries[i] }
        return nil
    }

    /// "/"-separated, without a leading "./".
    private static func normalised(_ path: String) -> String {
        var path = path.replacingOccurrences(of: "\\", with: "/")
        while path.hasPrefix("./") { path.removeFirst(2) }
        return path
    }

    private static func baseName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// Identity: two indexes are equal when they are the same object.
    public static func == (a: COCOAnnotations, b: COCOAnnotations) -> Bool { a === b }
}
