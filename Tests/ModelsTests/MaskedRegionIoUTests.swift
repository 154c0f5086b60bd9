import Models
import Testing

@Suite struct MaskedRegionIoUTests {
    @Test func nearestVisiblePatchOnASmallGrid() {
        // 3×3 grid, visible: 0 (top left) and 8 (bottom right).
        var visible = [Bool](repeating: false, count: 9)
        visible[0] = true; visible[8] = true
        let from = NearestVisiblePatch.sources(visible: visible, gridSize: 3)
        // 1 (0,1): d²=1 to 0, 5 to 8 → 0.  4 (1,1): d²=2 to both → tie → the smaller index, 0.
        // 5 (1,2): d²=5 to 0, 1 to 8 → 8.  6 (2,0): d²=4 to 0, 4 to 8 → tie → 0.
        #expect(from == [0, 0, 0, 0, 0, 8, 0, 8, 8])
        #expect(NearestVisiblePatch.sources(visible: [Bool](repeating: false, count: 4), gridSize: 2) == [0, 1, 2, 3])
        #expect(NearestVisiblePatch.sources(visible: [Bool](repeating: true, count: 4), gridSize: 2) == [0, 1, 2, 3])
    }

    @Test func fillCopiesWholePatchesFromTheNearestVisibleOne() {
        // 2×2 grid of 2×2-pixel patches (patch layout: 4 values per patch); patches 1 and 3 are masked.
        let map: [Float] = [1, 0, 0, 1, /* masked */ 0, 0, 0, 0, 1, 1, 1, 1, /* masked */ 0, 1, 0, 1]
        let masked: [Float] = [0, 1, 0, 1]
        let fill = NearestVisiblePatch.fill(map, masked: masked, gridSize: 2, patchArea: 4)
        #expect(fill == [1, 0, 0, 1, /* from 0 */ 1, 0, 0, 1, 1, 1, 1, 1, /* from 2 */ 1, 1, 1, 1])
    }

    @Test func iouCountsOnlyMaskedPatches() {
        let truth: [Float] = [1, 1, 0, 0, /* patch 1 */ 1, 1, 0, 0]
        let logits: [Float] = [-5, -5, 5, 5, /* patch 1 */ 3, -1, 2, -2]
        var iou = MaskedRegionIoU()
        iou.add(prediction: logits, threshold: 0, truth: truth, masked: [0, 1] as [Float], patchArea: 4)
        // patch 1: predicted {0, 2}, true {0, 1} → ∩ 1, ∪ 3
        #expect(iou.intersection == 1 && iou.union == 3 && iou.value == 1.0 / 3)
        var none = MaskedRegionIoU()
        none.add(prediction: logits, threshold: 0, truth: truth, masked: [0, 0] as [Float], patchArea: 4)
        #expect(none.value == nil)
        iou.add(none)
        #expect(iou.union == 3)
        // slices of a larger array (as the validation loop passes them)
        let padded: [Float] = [9, 9] + logits
        var sliced = MaskedRegionIoU()
        sliced.add(prediction: padded[2...], threshold: 0, truth: truth[...], masked: [0, 1][...] as ArraySlice<Float>, patchArea: 4)
        #expect(sliced == iou)
    }

    @Test func baselineIsPerfectOnRegionsThatAreWholeVisibleRows() {
        // 4×4 grid, patch 1 pixel: the region is the top half; visible: one patch per column in each half.
        let g = 4
        let truth: [Float] = (0..<16).map { $0 < 8 ? 1 : 0 }
        var masked = [Float](repeating: 1, count: 16)
        for v in [0, 1, 2, 3, 12, 13, 14, 15] { masked[v] = 0 }
        let fill = NearestVisiblePatch.fill(truth, masked: masked, gridSize: g, patchArea: 1)
        var iou = MaskedRegionIoU()
        iou.add(prediction: fill, threshold: 0.5, truth: truth, masked: masked, patchArea: 1)
        #expect(iou.value == 1)
    }
}
