import Regions
import Testing
import TestSupport
import Viz

@Suite struct FHRegionsTests {
    @Test func largestSegmentsComeFirstAsBinaryMaps() {
        // 4×4 labels: label 2 has 8 pixels, label 0 has 5, label 1 has 3.
        let labels: [Int32] = [2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 1, 0, 0, 1, 1]
        let maps = FHRegions.largest(labels: labels, count: 2)
        #expect(maps.count == 2)
        #expect(maps[0] == labels.map { $0 == 2 ? 1 : 0 })
        #expect(maps[1] == labels.map { $0 == 0 ? 1 : 0 })
        // Fewer segments than k: the list repeats from the largest.
        let five = FHRegions.largest(labels: labels, count: 5)
        #expect(five[3] == maps[0] && five[4] == maps[1])
    }

    @Test func photoGivesModelSizedDisjointRegions() {
        let photo = InferenceFixtures.photo(width: 48, height: 40, box: (10, 8, 20, 20))
        let maps = FHRegions.largest(photo, count: 2, size: 32, scale: 100)
        #expect(maps.count == 2 && maps.allSatisfy { $0.count == 32 * 32 })
        #expect(maps.allSatisfy { $0.allSatisfy { $0 == 0 || $0 == 1 } })
        #expect(maps[0].reduce(0, +) >= maps[1].reduce(0, +))
        #expect(zip(maps[0], maps[1]).allSatisfy { $0 + $1 <= 1 })
    }
}
