import Regions

/// A decoded sample: its image, its regions (nil when k = 0) and the region problems that did not stop it
/// from loading (a missing annotation, a mask of the wrong size), for the loader to warn about and count.
struct LoadedSample: Sendable {
    var image: RGBImage
    var regions: SampleRegions?
    var notes: [String] = []

    /// The label maps, when the regions are label maps.
    var maps: LabelStack? {
        if case .labels(let stack, _) = regions { return stack }
        return nil
    }
}
