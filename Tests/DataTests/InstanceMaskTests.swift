import Foundation
import Testing
@testable import Data
import Engine

/// Instance masks (polygons, run lengths, compressed run lengths) through crop, nearest resize and flip,
/// pixel for pixel against ``ReferenceMasks``; overlapping and vanishing masks; the `random_fg` test.
struct InstanceMaskTests {
    /// A hand-made annotation file for one 12 × 10 image: an L plus a slanted triangle (one polygon
    /// annotation), mask A as a run list, mask B (overlapping A) as a compressed string, made by
    /// `pycocotools.mask.encode` from the art below.
    static let json = """
    {"images": [{"id": 7, "file_name": "a.png", "width": 12, "height": 10}],
     "annotations": [
      {"id": 1, "image_id": 7, "segmentation": [[1, 1, 7, 1, 7, 4, 4, 4, 4, 8, 1, 8], [8.3, 2.2, 11.5, 9.6, 6.1, 8.9]]},
      {"id": 2, "image_id": 7, "segmentation": {"size": [10, 12], "counts": [11, 4, 6, 4, 3, 2, 1, 2, 5, 2, 1, 2, 5, 2, 4, 3, 1, 2, 4, 3, 1, 2, 4, 3, 1, 2, 4, 3, 33]}},
      {"id": 3, "image_id": 7, "segmentation": {"size": [10, 12], "counts": "P146000000000l0"}}
     ]}
    """
    static let polygons: [[Double]] = [[1, 1, 7, 1, 7, 4, 4, 4, 4, 8, 1, 8], [8.3, 2.2, 11.5, 9.6, 6.1, 8.9]]
    static let maskA = ReferenceMasks.art([
        "............",
        ".####.......",
        ".####.......",
        ".##.........",
        ".##..####...",
        ".....####...",
        ".....####...",
        "............",
        "..######....",
        "..######....",
    ])
    static let maskB = ReferenceMasks.art([
        "............",
        "............",
        "...######...",
        "...######...",
        "...######...",
        "...######...",
        "............",
        "............",
        "............",
        "............",
    ])

    static func annotations() throws -> COCOAnnotations {
        try COCOAnnotations(json: Foundation.Data(json.utf8), name: "hand-made.json")
    }

    /// Fixed crops and sides (up- and down-sampling, edges, single pixels) plus seeded random ones.
    static func grids(width: Int, height: Int, count: Int = 150) -> [OutputGrid] {
        var grids: [OutputGrid] = []
        for flipped in [false, true] {
            for side in [1, 3, 5, 11, 16] {
                grids.append(OutputGrid(crop: .whole(width: width, height: height), side: side, flipped: flipped))
                grids.append(OutputGrid(crop: CropBox(top: 2, left: 3, height: 7, width: 8), side: side, flipped: flipped))
                grids.append(OutputGrid(crop: CropBox(top: height - 1, left: width - 1, height: 1, width: 1), side: side, flipped: flipped))
            }
        }
        var rng = RandomGenerator(seed: 11, stream: .test)
        for _ in 0..<count {
            let h = 1 + rng.int(below: height), w = 1 + rng.int(below: width)
            let crop = CropBox(top: rng.int(below: height - h + 1), left: rng.int(below: width - w + 1), height: h, width: w)
            grids.append(OutputGrid(crop: crop, side: 1 + rng.int(below: 24), flipped: rng.int(below: 2) == 1))
        }
        return grids
    }

    static func check(_ mask: InstanceMask, against reference: [[Bool]], _ name: String,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        for grid in grids(width: reference[0].count, height: reference.count) {
            let expected = ReferenceMasks.augmented(reference, crop: grid.crop, side: grid.side, flipped: grid.flipped)
            let drawn = ReferenceMasks.drawn(mask, grid)
            #expect(drawn == expected, "\(name): crop \(grid.crop) side \(grid.side) flipped \(grid.flipped)",
                    sourceLocation: sourceLocation)
            #expect(mask.isCandidate(in: grid, visible: nil, patchSize: 1) == expected.contains(1), sourceLocation: sourceLocation)
            if drawn != expected { return }
        }
    }

    @Test func handMadeFileDecodesToThreeMasks() throws {
        let file = try Self.annotations()
        #expect(file.imageCount == 1 && file.maskCount == 3 && file.problemCount == 0)
        let masks = try #require(file.entry(for: "a.png")).masks
        #expect(masks.map(\.id) == [1, 2, 3])
        guard case .polygons = masks[0].mask, case .runs(let a) = masks[1].mask, case .runs(let b) = masks[2].mask else {
            Issue.record("wrong encodings: \(masks)"); return
        }
        #expect(a.counts == .list([11, 4, 6, 4, 3, 2, 1, 2, 5, 2, 1, 2, 5, 2, 4, 3, 1, 2, 4, 3, 1, 2, 4, 3, 1, 2, 4, 3, 33]))
        #expect(b.counts == .compressed(Array("P146000000000l0".utf8)) && b.height == 10 && b.width == 12)
    }

    @Test func polygonsMatchPixelCentresThroughCropResizeAndFlip() throws {
        let masks = try #require(try Self.annotations().entry(for: "a.png")).masks
        let reference = ReferenceMasks.fromPolygons(Self.polygons, height: 10, width: 12)
        let area: Int = reference.reduce(0) { $0 + $1.filter { $0 }.count }
        #expect(area == 47)                                                     // L top 18, L foot 12, triangle 17
        Self.check(masks[0].mask, against: reference, "polygons")
    }

    @Test func runListMatchesColumnMajorArt() throws {
        let masks = try #require(try Self.annotations().entry(for: "a.png")).masks
        #expect(ReferenceMasks.fromRuns([11, 4, 6, 4, 3, 2, 1, 2, 5, 2, 1, 2, 5, 2, 4, 3, 1, 2, 4, 3, 1, 2, 4, 3, 1, 2, 4, 3, 33],
                                        height: 10, width: 12) == Self.maskA)
        Self.check(masks[1].mask, against: Self.maskA, "run list")
    }

    @Test func compressedRunsMatchArt() throws {
        let masks = try #require(try Self.annotations().entry(for: "a.png")).masks
        Self.check(masks[2].mask, against: Self.maskB, "compressed runs")
    }

    /// A 37 × 53 pattern with long and short runs (multi-character groups, negative deltas), compressed by
    /// pycocotools once; the formula is the mask, so no Python is needed here.
    static let patternCounts = #"04700001KL00O0100000O0100000O01000O000100000O0100000O0100000O05310001NL0O010O010O0NO00002c00]ON0011O10Nd01]O:b0L]OK0Og00YO30L0000d00\O3100Ob0O^O123`0MAOL00O00d01\O00O000100d0O\O10O05i02XOLc0M]O20NO00002c00]ON0011O10Nd01]O:b0L]OK0Og00YO30L0000d00\O3100Ob0O^O123`0MAOL00O00d01\O00O000100d0O\O10O05i02XOLc0M]O20NO00002c00]ON0011O10Nd01]O:b0L]OK0Og00YO30L0000d00\O3100Ob0O^O123`0MAOL00O00d01\O00O000100d0O\O10O05i02XOLc0M]O20NO00002c00]ON0011O10Nd01]OV1OkN0O10O10O10O10O10O30L0000030M0000030M000003100O010O010O002400001KL00O0100000O0100000O01000O000100000O0100000O0100000O05310001NL0O010O010O0NO000030M0000030M0000030M0011O10O10O10O10O10O1V1OkN0O10O10O10O10O10O0"#
    static let pattern: [[Bool]] = (0..<37).map { (y: Int) -> [Bool] in
        (0..<53).map { (x: Int) -> Bool in
            let noise: Int = (x * x + 3 * y * x + y) % 11
            let block: Bool = (10..<30).contains(y) && (5..<40).contains(x)
            return noise < 4 || block
        }
    }

    @Test func compressedPatternFromPycocotools() throws {
        let runs = try #require(CompressedCounts.decode(Array(Self.patternCounts.utf8)))
        #expect(ReferenceMasks.fromRuns(runs, height: 37, width: 53) == Self.pattern)
        #expect(String(decoding: CompressedCounts.encode(runs), as: UTF8.self) == Self.patternCounts)
        let mask = InstanceMask.runs(RunLengthMask(height: 37, width: 53, counts: .compressed(Array(Self.patternCounts.utf8))))
        Self.check(mask, against: Self.pattern, "pattern")
        // The encoder that builds COCO files from label maps gives the same string for the same mask.
        let labels: [Int32] = Self.pattern.flatMap { (row: [Bool]) -> [Int32] in row.map { $0 ? 1 : 0 } }
        #expect(COCOAnnotations.compressedCounts(labels: labels, width: 53, height: 37).last?.counts == Self.patternCounts)
    }

    @Test func compressedCountsCodec() {
        #expect(CompressedCounts.decode(Array("324O2".utf8)) == [3, 2, 4, 1, 6])        // pycocotools' string for that 4×4 mask
        #expect(CompressedCounts.encode([3, 2, 4, 1, 6]) == Array("324O2".utf8))
        #expect(CompressedCounts.decode(Array("P146000000000l0".utf8)) == [32, 4, 6, 4, 6, 4, 6, 4, 6, 4, 6, 4, 34])
        #expect(CompressedCounts.decode(Array(";460MNN040L040O1MO31MO31MO31m0".utf8))
                == [11, 4, 6, 4, 3, 2, 1, 2, 5, 2, 1, 2, 5, 2, 4, 3, 1, 2, 4, 3, 1, 2, 4, 3, 1, 2, 4, 3, 33])
        var rng = RandomGenerator(seed: 3, stream: .test)
        for _ in 0..<200 {
            let runs = (0..<(1 + rng.int(below: 30))).map { _ in rng.int(below: 2) == 0 ? rng.int(below: 20) : rng.int(below: 100_000) }
            #expect(CompressedCounts.decode(CompressedCounts.encode(runs)) == runs)
        }
        #expect(CompressedCounts.decode(Array("P".utf8)) == nil)           // ends inside a value (bit 32 set)
        #expect(CompressedCounts.decode(Array("3 2".utf8)) == nil)         // a character below "0"
        #expect(CompressedCounts.decode(Array("3p".utf8)) == nil)          // a character past "o"
    }

    @Test func overlappingMasksStaySeparateRegions() throws {
        // Validation mode: the whole 12 × 10 image resized to 12 × 12, no flip; k = 2 of masks A and B.
        let file = try Self.annotations()
        let masks = try #require(file.entry(for: "a.png")).masks.dropFirst().map(\.mask)
        let options = LoaderOptions(imageSize: 12, patchSize: 4, numRegions: 2, globalBatchSize: 1, workers: 0, train: false)
        let picture = SyntheticData.noise(width: 12, height: 10, seed: 1)
        var image = [Float](repeating: 0, count: 3 * 144), regions = [Float](repeating: -1, count: 2 * 144)
        var rng = RandomGenerator(seed: 4, stream: .test)
        image.withUnsafeMutableBufferPointer { i in
            regions.withUnsafeMutableBufferPointer { r in
                _ = SampleAugmenter(options: options).process(picture, maps: .masks(masks), using: &rng,
                                                              image: i.baseAddress!, regions: r.baseAddress!)
            }
        }
        let whole = CropBox.whole(width: 12, height: 10)
        let a = ReferenceMasks.augmented(Self.maskA, crop: whole, side: 12, flipped: false)
        let b = ReferenceMasks.augmented(Self.maskB, crop: whole, side: 12, flipped: false)
        let got = [Array(regions[0..<144]), Array(regions[144..<288])]
        #expect(got == [a, b] || got == [b, a])
        #expect(zip(got[0], got[1]).contains { $0 == 1 && $1 == 1 })         // they do overlap, and both keep it
    }

    @Test func masksThatVanishAreDroppedBeforeSampling() throws {
        // 12 × 10 → 4 × 4 reads columns 0, 3, 6, 9 and rows 0, 2, 5, 7: a mask on pixel (1, 1) vanishes.
        let dot = InstanceMask.runs(RunLengthMask(height: 10, width: 12, counts: .list([11, 1, 108])))
        let a = InstanceMask.runs(RunLengthMask(height: 10, width: 12,
            counts: .list([11, 4, 6, 4, 3, 2, 1, 2, 5, 2, 1, 2, 5, 2, 4, 3, 1, 2, 4, 3, 1, 2, 4, 3, 1, 2, 4, 3, 33])))
        let grid = OutputGrid(crop: .whole(width: 12, height: 10), side: 4, flipped: false)
        #expect(!dot.isCandidate(in: grid, visible: nil, patchSize: 1) && a.isCandidate(in: grid, visible: nil, patchSize: 1))
        let options = LoaderOptions(imageSize: 4, patchSize: 2, numRegions: 3, globalBatchSize: 1, workers: 0, train: false)
        var image = [Float](repeating: 0, count: 3 * 16), regions = [Float](repeating: -1, count: 3 * 16)
        var rng = RandomGenerator(seed: 5, stream: .test)
        image.withUnsafeMutableBufferPointer { i in
            regions.withUnsafeMutableBufferPointer { r in
                _ = SampleAugmenter(options: options).process(SyntheticData.noise(width: 12, height: 10, seed: 2),
                                                              maps: .masks([dot, a, dot]), using: &rng,
                                                              image: i.baseAddress!, regions: r.baseAddress!)
            }
        }
        let expected = ReferenceMasks.augmented(Self.maskA, crop: .whole(width: 12, height: 10), side: 4, flipped: false)
        #expect(regions == expected + expected + expected)                   // n = 1 < k: A three times, never the dot
        // No mask at all: k all-zero maps (§11.4, n = 0).
        image.withUnsafeMutableBufferPointer { i in
            regions.withUnsafeMutableBufferPointer { r in
                _ = SampleAugmenter(options: options).process(SyntheticData.noise(width: 12, height: 10, seed: 2),
                                                              maps: .masks([]), using: &rng,
                                                              image: i.baseAddress!, regions: r.baseAddress!)
            }
        }
        #expect(regions.allSatisfy { $0 == 0 })
    }

    @Test func foregroundTestLooksAtVisiblePatchesAfterTheFlip() throws {
        let masks = try #require(try Self.annotations().entry(for: "a.png")).masks.map(\.mask)
        let references = [ReferenceMasks.fromPolygons(Self.polygons, height: 10, width: 12), Self.maskA, Self.maskB]
        var rng = RandomGenerator(seed: 6, stream: .test)
        for grid in Self.grids(width: 12, height: 10, count: 60) where grid.side % 2 == 0 {
            let patch = 2, perRow = grid.side / 2
            let visible = (0..<(perRow * perRow)).map { _ in rng.int(below: 3) == 0 }
            for (mask, reference) in zip(masks, references) {
                let out = ReferenceMasks.augmented(reference, crop: grid.crop, side: grid.side, flipped: grid.flipped)
                let touches = out.indices.contains { p in out[p] == 1 && visible[(p / grid.side / patch) * perRow + (p % grid.side) / patch] }
                #expect(mask.isCandidate(in: grid, visible: visible, patchSize: patch) == touches, "crop \(grid.crop) side \(grid.side)")
            }
        }
    }
}
