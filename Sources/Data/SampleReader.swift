import Foundation
import Regions

/// Loads one sample from disk: the decoded image and, when regions are needed, its regions from the
/// ``RegionSource``: label maps (read, or computed and cached for ``RegionSource/auto(cache:folder:)``),
/// instance masks of an annotation file, or a PNG instance map.
///
/// Every failure is a ``SampleFailure`` whose message names the offending file. Problems that leave the
/// sample usable (no annotation, a mask of the wrong size) are returned as ``LoadedSample/notes``.
struct SampleReader: Sendable {
    let source: RegionSource
    /// False for MAE (k = 0): maps are neither read nor computed.
    let needsRegions: Bool

    func load(_ sample: DatasetSample) throws(SampleFailure) -> LoadedSample {
        let image: RGBImage
        do {
            image = try ImageDecoder.decode(contentsOf: sample.image)
        } catch {
            throw SampleFailure(error.description)
        }
        guard needsRegions else { return LoadedSample(image: image, regions: nil) }
        switch source {
        case .none:
            throw SampleFailure("\(sample.image.path): no region maps configured")
        case .folder(let folder):
            let maps = try Self.read(RegionMaps.outputURL(for: sample.path, in: folder), image: image)
            return LoadedSample(image: image, regions: .labels(maps, background: nil))
        case .auto(let cache, let folder):
            if let folder {
                let url = RegionMaps.outputURL(for: sample.path, in: folder)
                if FileManager.default.fileExists(atPath: url.path) {
                    return LoadedSample(image: image, regions: .labels(try Self.read(url, image: image), background: nil))
                }
            }
            return LoadedSample(image: image, regions: .labels(try Self.cached(sample.path, image: image, cache: cache), background: nil))
        case .coco(let annotations):
            let (masks, notes) = Self.masks(for: sample.path, image: image, in: annotations)
            return LoadedSample(image: image, regions: .masks(masks), notes: notes)
        case .instanceMaps(let folder):
            let url = folder.appendingPathComponent(sample.path).deletingPathExtension().appendingPathExtension("png")
            guard FileManager.default.fileExists(atPath: url.path) else {
                return LoadedSample(image: image, regions: .masks([]), notes: ["no instance map \(url.path); no regions"])
            }
            return LoadedSample(image: image, regions: .labels(try Self.instanceMap(url, image: image), background: 0))
        }
    }

    /// The usable masks of one image from an annotation file, and a note for each problem: no entry for
    /// the image, run lengths of another size, polygons annotated on an image of another size.
    static func masks(for path: String, image: RGBImage, in annotations: COCOAnnotations) -> ([InstanceMask], [String]) {
        guard let entry = annotations.entry(for: path) else {
            return ([], ["no annotation in \(annotations.file); no regions"])
        }
        var notes: [String] = []
        if entry.masks.isEmpty { notes.append("image \"\(entry.fileName)\" has no annotation in \(annotations.file); no regions") }
        let entrySizeMatches = (entry.width ?? image.width) == image.width && (entry.height ?? image.height) == image.height
        var masks: [InstanceMask] = []
        masks.reserveCapacity(entry.masks.count)
        for (id, mask) in entry.masks {
            let name = id.map { "annotation \($0)" } ?? "an annotation"
            switch mask {
            case .runs(let runs) where runs.width != image.width || runs.height != image.height:
                notes.append("\(name): run-length size \(runs.width)x\(runs.height) (WxH) does not match the image \(image.width)x\(image.height); skipped")
            case .polygons where !entrySizeMatches:
                notes.append("\(name): polygons drawn on a \(entry.width ?? 0)x\(entry.height ?? 0) image, the file is \(image.width)x\(image.height); skipped")
            default:
                masks.append(mask)
            }
        }
        return (masks, notes)
    }

    /// Reads one PNG instance map and checks it against the image size.
    static func instanceMap(_ url: URL, image: RGBImage) throws(SampleFailure) -> LabelStack {
        do {
            let bytes = [UInt8](try Foundation.Data(contentsOf: url))
            return try LabelStack(try PNG.decodeLabels(bytes), width: image.width, height: image.height)
        } catch let error as CodecFailure {
            throw SampleFailure("\(url.path): \(error.message)")
        } catch let error as SampleFailure {
            throw SampleFailure("\(url.path): \(error.description)")
        } catch {
            throw SampleFailure("\(url.path): cannot read: \(error.localizedDescription)")
        }
    }

    /// Reads and checks one `.npy` stack against the image size.
    static func read(_ url: URL, image: RGBImage) throws(SampleFailure) -> LabelStack {
        do {
            return try LabelStack(try NPYArray.read(contentsOf: url), width: image.width, height: image.height)
        } catch let error as NPYError {
            throw SampleFailure(error.description)
        } catch let error as SampleFailure {
            throw SampleFailure("\(url.path): \(error.description)")
        } catch {
            throw SampleFailure("\(url.path): \(error)")
        }
    }

    /// The cached stack for `path`, or FH at ``RegionSource/autoScales`` computed now and written to the
    /// cache atomically (temporary file, then rename), so concurrent workers and runs never see half a file.
    static func cached(_ path: String, image: RGBImage, cache: URL) throws(SampleFailure) -> LabelStack {
        let url = RegionMaps.outputURL(for: path, in: cache)
        if let array = try? NPYArray.read(contentsOf: url),
           let stack = try? LabelStack(array, width: image.width, height: image.height),
           stack.scales == RegionSource.autoScales.count {
            return stack
        }
        let maker = RegionMaps(scales: RegionSource.autoScales, sigma: RegionSource.autoSigma)
        let array = maker.labelStack(image).array
        do {
            try AtomicFile.write(Foundation.Data(array.encoded()), to: url)
        } catch {
            throw SampleFailure("cannot write region cache: \(error)")
        }
        return try LabelStack(array, width: image.width, height: image.height)
    }
}
