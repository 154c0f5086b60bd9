import Foundation

/// The parts of a COCO-format annotation file the loader reads, decoded leniently: an image entry or an
/// annotation that does not decode becomes a named problem instead of failing the whole file.
///
/// Two shapes are accepted:
/// - COCO: `{"images": [{"id", "file_name", "width", "height"}, …], "annotations": [{"id", "image_id",
///   "segmentation"}, …]}`, as the COCO ground truth and SAM-on-COCO exports are;
/// - SA-1B, one file per image: `{"image": {"image_id", "file_name", "width", "height"}, "annotations":
///   [{"id", "segmentation"}, …]}`, where annotations need no `image_id`.
///
/// `segmentation` is a list of polygons `[[x0, y0, x1, y1, …], …]`, or run lengths
/// `{"size": [h, w], "counts": [n0, n1, …]}` or `{"size": [h, w], "counts": "<compressed>"}`.
/// Every other field (`bbox`, `area`, `iscrowd`, `category_id`, scores) is ignored.
struct COCOJSON: Decodable {
    var images: [Lenient<Image>]
    var annotations: [Lenient<Annotation>]
    /// True for the SA-1B shape (one `image` object).
    var single: Bool

    struct Image: Decodable {
        var id: Int?
        var fileName: String
        var width: Int?
        var height: Int?

        enum Key: String, CodingKey { case id, imageId = "image_id", fileName = "file_name", width, height }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            id = try c.decodeIfPresent(Int.self, forKey: .id) ?? c.decodeIfPresent(Int.self, forKey: .imageId)
            fileName = try c.decode(String.self, forKey: .fileName)
            width = try c.decodeIfPresent(Int.self, forKey: .width)
            height = try c.decodeIfPresent(Int.self, forKey: .height)
        }
    }

    struct Annotation: Decodable {
        var id: Int?
        var imageId: Int?
        var segmentation: Segmentation

        enum Key: String, CodingKey { case id, imageId = "image_id", segmentation }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            id = try? c.decodeIfPresent(Int.self, forKey: .id)
            imageId = try c.decodeIfPresent(Int.self, forKey: .imageId)
            segmentation = try c.decode(Segmentation.self, forKey: .segmentation)
        }
    }

    enum Segmentation: Decodable {
        case polygons([[Double]])
        case runs(height: Int, width: Int, counts: RunLengthMask.Counts)

        enum Key: String, CodingKey { case size, counts }

        init(from decoder: Decoder) throws {
            if let polygons = try? [[Double]](from: decoder) {
                self = .polygons(polygons)
                return
            }
            let c = try decoder.container(keyedBy: Key.self)
            let size = try c.decode([Int].self, forKey: .size)
            guard size.count == 2, size[0] >= 0, size[1] >= 0 else {
                throw DecodingError.dataCorruptedError(forKey: .size, in: c, debugDescription: "size \(size) is not [h, w]")
            }
            if let why = ImageLimits.files.problem(width: size[1], height: size[0]) {
                throw DecodingError.dataCorruptedError(forKey: .size, in: c, debugDescription: "size \(size) \(why)")
            }
            if let text = try? c.decode(String.self, forKey: .counts) {
                self = .runs(height: size[0], width: size[1], counts: .compressed(Array(text.utf8)))
            } else {
                self = .runs(height: size[0], width: size[1], counts: .list(try c.decode([Int].self, forKey: .counts)))
            }
        }
    }

    enum Key: String, CodingKey { case images, image, annotations }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        if let list = try c.decodeIfPresent([Lenient<Image>].self, forKey: .images) {
            images = list
            single = false
        } else if let one = try c.decodeIfPresent(Lenient<Image>.self, forKey: .image) {
            images = [one]
            single = true
        } else {
            throw DecodingError.keyNotFound(Key.images, .init(codingPath: [], debugDescription: "no \"images\" list (COCO) or \"image\" object (SA-1B)"))
        }
        annotations = try c.decodeIfPresent([Lenient<Annotation>].self, forKey: .annotations) ?? []
    }

    /// A value that either decoded or failed with a short reason; decoding it never throws.
    struct Lenient<T: Decodable>: Decodable {
        var value: Result<T, SampleFailure>

        init(from decoder: Decoder) throws {
            do {
                value = .success(try T(from: decoder))
            } catch {
                value = .failure(SampleFailure(COCOJSON.reason(error)))
            }
        }
    }

    /// A one-line reason for a decoding error: what was wrong and where.
    static func reason(_ error: Error) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "" : " at " + keys.joined(separator: ".")
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?: return "missing \"\(key.stringValue)\"" + path(context)
        case .typeMismatch(let type, let context)?: return "expected \(type)" + path(context)
        case .valueNotFound(let type, let context)?: return "null where \(type) was expected" + path(context)
        case .dataCorrupted(let context)?: return context.debugDescription + path(context)
        default: return "\(error)"
        }
    }
}
