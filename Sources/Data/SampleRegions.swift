/// The regions of one loaded sample, before augmentation, in whichever form its source gives them.
enum SampleRegions: Sendable {
    /// Label maps `[S, H, W]`: one region per distinct label per map (REFERENCE.md §11.3), except
    /// `background` when given (PNG instance maps: 0 is no region).
    case labels(LabelStack, background: Int32?)
    /// Separate binary masks that may overlap (COCO instance annotations); possibly none.
    case masks([InstanceMask])
}
