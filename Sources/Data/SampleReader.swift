import Foundation
import Regions

/// Loads one sample from disk: the decoded image and, when regions are needed, its label maps (read from
/// the ``RegionSource``, or computed and cached for ``RegionSource/auto(cache:folder:)``).
///
/// Every failure is a ``SampleFailure`` whose message names the offending file.
struct SampleReader: Sendable {
    let source: RegionSource
    /// False for MAE (k = 0): maps are neither read nor computed.
    let needsRegions: Bool

    func load(_ sample: DatasetSample) throws(SampleFailure) -> (image: RGBImage, maps: LabelStack?) {
        let image: RGBImage
        do {
            image = try ImageDecoder.decode(contentsOf: sample.image)
        } catch {
            throw SampleFailure(error.description)
        }
        guard needsRegions else { return (image, nil) }
        switch source {
        case .none:
            throw SampleFailure("\(sample.image.path): no region maps configured")
        case .folder(let folder):
            return (image, try Self.read(RegionMaps.outputURL(for: sample.path, in: folder), image: image))
        case .auto(let cache, let folder):
            if let folder {
                let url = RegionMaps.outputURL(for: sample.path, in: folder)
                if FileManager.default.fileExists(atPath: url.path) { return (image, try Self.read(url, image: image)) }
            }
            return (image, try Self.cached(sample.path, image: image, cache: cache))
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
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(
            ".\(url.lastPathComponent).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try array.write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else {
                throw SampleFailure("rename failed: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw SampleFailure("\(url.path): cannot write region cache: \(error)")
        }
        return try LabelStack(array, width: image.width, height: image.height)
    }
}
